-- One row per web or app session: the last extract that carried it.
-- latest_version: the entity's raw rows, one per key, the latest version winning (SPEC §1).
select
  session_id,
  customer_id,
  nullif(lower(trim(customer_email)), '') as email,
  started_at,
  cast(started_at as date) as started_date,
  order_id,
  _extract_date as extract_date
from latest_version
