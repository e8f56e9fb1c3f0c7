{{ config(changed=[{'column': 'cart_id', 'records': ['ecommerce__carts', 'shopify__checkouts']}]) }}
-- depends_on: {{ ref('int_changed_records') }}
-- One row per shopping cart of every source system, in the shape of stg_ecommerce__carts: SPEC §1 carts
-- as they are, and each Shopify checkout, which became the order whose checkout_token is its token (SPEC
-- §6).
with ecommerce as (
  select 'ecommerce__carts' as entity, cart_id, customer_id, email, created_at, order_id
  from {{ ref('stg_ecommerce__carts') }}
  {{ where_changed(in_changed_records('cart_id', ['ecommerce__carts'])) }}
),

shopify_orders as (
  -- a token two orders carry ties the cart to the first of them
  select checkout_token, min({{ vendor_key('shopify', 'order_id') }}) as order_id
  from {{ ref('stg_shopify__orders') }}
  where checkout_token is not null
  group by checkout_token
),

shopify as (
  select
    'shopify__checkouts' as entity,
    {{ vendor_key('shopify', 'c.checkout_token') }} as cart_id,
    cast(null as {{ dbt.type_string() }}) as customer_id,
    c.email,
    c.created_at,
    o.order_id
  from {{ ref('stg_shopify__checkouts') }} as c
  left join shopify_orders as o on o.checkout_token = c.checkout_token
  {{ where_changed(in_changed_records(vendor_key('shopify', 'c.checkout_token'), ['shopify__checkouts'])) }}
),

unioned as (
  select * from ecommerce
  union all
  select * from shopify
)

select
  *,
  {{ reporting_date('created_at') }} as created_date
from unioned
