-- One row per CRM customer: its latest version.
-- latest_version: the entity's raw rows, one per key, the latest version winning (SPEC §1).
select
  customer_id,
  nullif(lower(trim(email)), '') as email,
  phone,
  created_at,
  segment,
  region,
  referred_by_customer_id,
  updated_at,
  _extract_date as extract_date
from latest_version
