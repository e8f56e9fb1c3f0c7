-- One row per order: its latest version (an order may be refunded in a later extract).
-- latest_version: the entity's raw rows, one per key, the latest version winning (SPEC §1).
select
  order_id,
  customer_id,
  nullif(lower(trim(customer_email)), '') as email,
  ordered_at,
  cast(ordered_at as date) as ordered_date,
  status,
  amount,
  coalesce(currency, cast(:base_currency as text)) as currency,
  channel,
  coalesce(is_upsell, false) as is_upsell,
  updated_at,
  _extract_date as extract_date,
  _source_file as source_file,
  _row_number as row_number
from latest_version
