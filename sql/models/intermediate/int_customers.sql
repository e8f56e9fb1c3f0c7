{{ config(changed=[{'column': 'customer_key', 'customers': true}]) }}
-- depends_on: {{ ref('int_changed_customers') }}
-- One row per customer key (the customer master's customers, CRM and HubSpot, and guests): attributes used
-- as metric dimensions, the first day the customer was active, and who referred them.
with first_activity as (
  select customer_key, min(active_from) as first_active_date
  from {{ ref('int_customer_activity') }}
  {{ where_changed(in_changed_customers('customer_key')) }}
  group by customer_key
),

keys as (
  select customer_id as customer_key from {{ ref('int_customers_unioned') }}
  {{ where_changed(in_changed_customers('customer_id')) }}
  union
  select customer_key from first_activity
)

select
  k.customer_key,
  coalesce(c.segment, 'unknown') as segment,
  coalesce(c.region, 'unknown') as region,
  c.referred_by_customer_id,
  f.first_active_date
from keys as k
left join {{ ref('int_customers_unioned') }} as c on c.customer_id = k.customer_key
left join first_activity as f on f.customer_key = k.customer_key
