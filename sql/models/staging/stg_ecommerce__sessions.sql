{{ config(unique_key=['session_id']) }}

-- One row per web or app session: the last extract that carried it.
with latest_version as (
  {{ latest_version(source('raw', 'ecommerce__sessions')) }}
)

select
  session_id,
  customer_id,
  nullif(lower(trim(customer_email)), '') as email,
  started_at,
  {{ reporting_date('started_at') }} as started_date,
  order_id,
  _extract_date as extract_date,
  _loaded_at as loaded_at
from latest_version
