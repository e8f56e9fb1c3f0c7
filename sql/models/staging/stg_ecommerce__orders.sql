{{ config(unique_key=['order_id']) }}

-- One row per order: its latest version (an order may be refunded in a later extract).
with latest_version as (
  {{ latest_version(source('raw', 'ecommerce__orders'), version='updated_at') }}
)

select
  order_id,
  customer_id,
  nullif(lower(trim(customer_email)), '') as email,
  ordered_at,
  {{ reporting_date('ordered_at') }} as ordered_date,
  status,
  amount,
  coalesce(currency, '{{ setting('base_currency') }}') as currency,
  channel,
  coalesce(is_upsell, false) as is_upsell,
  updated_at,
  _extract_date as extract_date,
  _source_file as source_file,
  _row_number as row_number,
  _loaded_at as loaded_at
from latest_version
