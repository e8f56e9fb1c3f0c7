{{ config(unique_key=['order_id'], raw_key=['id']) }}

-- One row per Shopify order: its latest version (an order may be refunded or cancelled later). The admin's
-- CSV export carries no update time: its version is its extract date (SPEC §6). Status as SPEC §6 maps it:
-- cancelled when cancelled_at is set or the payment was voided, refunded when refunded, completed when
-- paid or partially refunded, else the financial status as given (not completed).
with latest_version as (
  {{ latest_version(source('raw', 'shopify__orders'), version=version_time('updated_at')) }}
)

select
  id as order_id,
  nullif(lower(trim(coalesce(email, customer_email))), '') as email,
  created_at as ordered_at,
  case
    when cancelled_at is not null or financial_status = 'voided' then 'cancelled'
    when financial_status = 'refunded' then 'refunded'
    when financial_status in ('paid', 'partially_refunded') then 'completed'
    else financial_status
  end as status,
  financial_status,
  total_price as amount,
  coalesce(currency, '{{ setting('base_currency') }}') as currency,
  source_name as channel,
  checkout_token,
  updated_at,
  _extract_date as extract_date,
  _source_file as source_file,
  _row_number as row_number,
  _loaded_at as loaded_at
from latest_version
