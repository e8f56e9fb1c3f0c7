{{ config(unique_key=['cart_id']) }}

-- One row per cart: its latest version (a cart gains an order_id once it is bought).
with latest_version as (
  {{ latest_version(source('raw', 'ecommerce__carts'), version='updated_at') }}
)

select
  cart_id,
  customer_id,
  nullif(lower(trim(customer_email)), '') as email,
  created_at,
  {{ reporting_date('created_at') }} as created_date,
  order_id,
  _extract_date as extract_date,
  _loaded_at as loaded_at
from latest_version
