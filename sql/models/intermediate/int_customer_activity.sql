{{ config(changed=[{'column': 'customer_key', 'customers': true}]) }}
-- depends_on: {{ ref('int_changed_customers') }}
-- One row per spell of activity of a customer: the merged days on which a subscription covered the day
-- or a completed order fell within the inactivity_days days ending on it (SPEC §4). Spells of one
-- customer neither overlap nor touch; an open subscription runs to 9999-12-30. previous_active_to is the
-- last day of the customer's spell before (NULL for the first).
with intervals as (
  select
    customer_id as customer_key,
    started_date as active_from,
    coalesce(ended_date - 1, cast('9999-12-30' as date)) as active_to
  from {{ ref('int_subscriptions') }}
  where (ended_date is null or ended_date > started_date) and customer_id is not null
    {{ and_changed(in_changed_customers('customer_id')) }}
  union all
  select
    customer_key,
    ordered_date,
    ordered_date + {{ setting('inactivity_days') }} - 1
  from {{ ref('int_orders') }}
  where status = 'completed' and customer_key is not null
    {{ and_changed(in_changed_customers('customer_key')) }}
),

reach as (
  select
    *,
    max(active_to) over (
      partition by customer_key order by active_from, active_to
      rows between unbounded preceding and 1 preceding
    ) as reached_before
  from intervals
),

spells as (
  select
    *,
    sum(case when reached_before is null or active_from > reached_before + 1 then 1 else 0 end) over (
      partition by customer_key order by active_from, active_to rows unbounded preceding
    ) as spell_number
  from reach
),

merged as (
  select customer_key, spell_number, min(active_from) as active_from, max(active_to) as active_to
  from spells
  group by customer_key, spell_number
)

select
  *,
  lag(active_to) over (partition by customer_key order by spell_number) as previous_active_to
from merged
