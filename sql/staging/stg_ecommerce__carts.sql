-- One row per cart: its latest version (a cart gains an order_id once it is bought).
-- latest_version: the entity's raw rows, one per key, the latest version winning (SPEC §1).
select
  cart_id,
  customer_id,
  nullif(lower(trim(customer_email)), '') as email,
  created_at,
  cast(created_at as date) as created_date,
  order_id,
  _extract_date as extract_date
from latest_version
