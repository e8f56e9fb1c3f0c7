{{ config(unique_key=['checkout_token'], raw_key=['token']) }}

-- One row per Shopify checkout (a cart): its latest version. It became the order whose checkout_token is
-- its token.
with latest_version as (
  {{ latest_version(source('raw', 'shopify__checkouts'), version='updated_at') }}
)

select
  token as checkout_token,
  nullif(lower(trim(coalesce(email, customer_email))), '') as email,
  created_at,
  completed_at,
  updated_at,
  _extract_date as extract_date,
  _loaded_at as loaded_at
from latest_version
