-- One row per shopping cart of every source system, in the common shape of SPEC §1 ecommerce/carts: SPEC
-- §1 extracts as they are, and each Shopify checkout, which became the order whose checkout_token is its
-- token (SPEC §6).
with ecommerce as (
  select cart_id, 'ecommerce' as source_system, customer_id, email, created_at, order_id
  from {{ ref('stg_ecommerce__carts') }}
),

shopify as (
  select
    {{ vendor_key('shopify', 'c.checkout_token') }},
    'shopify',
    cast(null as {{ dbt.type_string() }}),
    c.email,
    c.created_at,
    o.order_id
  from {{ ref('stg_shopify__checkouts') }} as c
  left join (
    -- one order per checkout token (a token reused by two orders ties the cart to the first)
    select checkout_token, min({{ vendor_key('shopify', 'order_id') }}) as order_id
    from {{ ref('stg_shopify__orders') }}
    where checkout_token is not null
    group by checkout_token
  ) as o on o.checkout_token = c.checkout_token
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
