{{ config(unique_key=['customer_id']) }}

-- One row per CRM customer: its latest version.
with latest_version as (
  {{ latest_version(source('raw', 'crm__customers'), version='updated_at') }}
)

select
  customer_id,
  nullif(lower(trim(email)), '') as email,
  phone,
  created_at,
  segment,
  region,
  referred_by_customer_id,
  updated_at,
  _extract_date as extract_date,
  _loaded_at as loaded_at
from latest_version
