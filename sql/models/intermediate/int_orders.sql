{{ config(changed=[{'column': 'order_id', 'records': ['ecommerce__orders', 'shopify__orders']},
                  {'column': 'customer_key', 'customers': true}]) }}
-- depends_on: {{ ref('int_changed_records') }} {{ ref('int_changed_customers') }}
-- One row per order of every source system with a rate for its currency: its customer key, amount in the base currency,
-- the customer's segment and region, and whether it is the customer's first completed order.
with orders as (
  -- the changed orders, and every order of a changed customer: which order is the first is the customer's
  select * from {{ ref('int_orders_unioned') }}
  {{ where_changed(in_changed_records('order_id', ['ecommerce__orders', 'shopify__orders'])
      ~ ' or order_id in (select record_id from ' ~ ref('int_customer_keys') ~ ' where '
      ~ in_changed_customers('customer_key') ~ ')') }}
),

converted as (
  select
    o.*,
    k.customer_key,
    o.amount * fx.rate_to_base as amount_base
  from orders as o
  inner join {{ ref('int_fx_rates') }} as fx
    on fx.currency = o.currency
    and o.ordered_date >= fx.valid_from
    and (fx.valid_until is null or o.ordered_date < fx.valid_until)
  left join {{ ref('int_customer_keys') }} as k
    on k.entity = o.entity and k.record_id = o.order_id
)

select
  c.order_id,
  c.customer_key,
  c.ordered_at,
  c.ordered_date,
  c.status,
  c.amount,
  c.currency,
  c.amount_base,
  c.channel,
  c.is_upsell,
  cust.segment,
  cust.region,
  c.status = 'completed' and c.customer_key is not null and row_number() over (
    partition by c.customer_key, c.status = 'completed'
    order by c.ordered_at, c.order_id
  ) = 1 as is_first_purchase
from converted as c
left join {{ ref('int_customers_unioned') }} as cust on cust.customer_id = c.customer_key
