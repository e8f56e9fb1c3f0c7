-- One row per shop order of every source system, in the common shape of SPEC §1 ecommerce/orders: SPEC §1
-- extracts as they are, Shopify orders as stg_shopify__orders maps them (amount total_price, channel
-- source_name; Shopify knows no upsell flag). checkout_token ties a Shopify order to its checkout.
with ecommerce as (
  select
    order_id,
    'ecommerce' as source_system,
    customer_id,
    email,
    ordered_at,
    status,
    amount,
    currency,
    channel,
    is_upsell,
    cast(null as {{ dbt.type_string() }}) as checkout_token,
    extract_date,
    source_file,
    row_number
  from {{ ref('stg_ecommerce__orders') }}
),

shopify as (
  select
    {{ vendor_key('shopify', 'order_id') }},
    'shopify',
    cast(null as {{ dbt.type_string() }}),
    email,
    ordered_at,
    status,
    amount,
    currency,
    channel,
    false,
    checkout_token,
    extract_date,
    source_file,
    row_number
  from {{ ref('stg_shopify__orders') }}
),

unioned as (
  select * from ecommerce
  union all
  select * from shopify
)

select
  *,
  {{ reporting_date('ordered_at') }} as ordered_date
from unioned
