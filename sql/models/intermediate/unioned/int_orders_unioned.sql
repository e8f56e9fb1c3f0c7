{{ config(changed=[{'column': 'order_id', 'records': ['ecommerce__orders', 'shopify__orders']}]) }}
-- depends_on: {{ ref('int_changed_records') }}
-- One row per shop order of every source system, in the shape of stg_ecommerce__orders: SPEC §1 orders as
-- they are, Shopify orders as stg_shopify__orders maps them (status from cancelled_at and financial_status,
-- amount total_price, channel source_name; Shopify has no upsell flag). checkout_token ties a Shopify
-- order to its checkout (int_carts_unioned).
with ecommerce as (
  select
    'ecommerce__orders' as entity,
    order_id,
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
  {{ where_changed(in_changed_records('order_id', ['ecommerce__orders'])) }}
),

shopify as (
  select
    'shopify__orders' as entity,
    {{ vendor_key('shopify', 'order_id') }} as order_id,
    cast(null as {{ dbt.type_string() }}) as customer_id,
    email,
    ordered_at,
    status,
    amount,
    currency,
    channel,
    false as is_upsell,
    checkout_token,
    extract_date,
    source_file,
    row_number
  from {{ ref('stg_shopify__orders') }}
  {{ where_changed(in_changed_records(vendor_key('shopify', 'order_id'), ['shopify__orders'])) }}
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
