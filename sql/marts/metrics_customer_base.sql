-- Customer base per period and dimension (SPEC §4): S = active on the day before the window starts,
-- E = active on the period's last day, N = active on the last day but not on the day before the window.
-- active_customers and new_customers take the period itself; churn and retention take the window (the
-- trailing 30 days in the daily table, the calendar month in the monthly one).
with active_at_start as (
  select p.period_start, a.customer_key
  from periods as p
  inner join intermediate.customer_activity as a on p.window_start - 1 between a.active_from and a.active_to
),

active_at_end as (
  select p.period_start, a.customer_key
  from periods as p
  inner join intermediate.customer_activity as a on p.period_end between a.active_from and a.active_to
),

first_active as (
  select p.period_start, c.customer_key
  from periods as p
  inner join intermediate.customers as c on c.first_active_date between p.period_start and p.period_end
),

flags as (
  select period_start, customer_key, max(in_s) as in_s, max(in_e) as in_e, max(is_new) as is_new
  from (
    select period_start, customer_key, 1 as in_s, 0 as in_e, 0 as is_new from active_at_start
    union all
    select period_start, customer_key, 0, 1, 0 from active_at_end
    union all
    select period_start, customer_key, 0, 0, 1 from first_active
  ) as memberships
  group by period_start, customer_key
),

attributed as (
  select f.*, coalesce(c.segment, 'unknown') as segment, coalesce(c.region, 'unknown') as region
  from flags as f
  left join intermediate.customers as c on c.customer_key = f.customer_key
),

grouped as (
  select
    period_start,
    case when grouping(segment) = 0 then 'segment' when grouping(region) = 0 then 'region' else 'all' end
      as dimension,
    coalesce(segment, region, 'all') as dimension_value,
    sum(in_s) as s,
    sum(in_e) as e,
    sum(in_s * in_e) as stayed,
    sum(is_new) as new_customers
  from attributed
  group by grouping sets ((period_start), (period_start, segment), (period_start, region))
)

select
  period_start, 'active_customers' as metric, dimension, dimension_value,
  cast(e as double precision) as value, e as numerator, cast(null as double precision) as denominator,
  e as sample_size, cast(null as double precision) as ci_low, cast(null as double precision) as ci_high
from grouped
union all
select period_start, 'new_customers', dimension, dimension_value, new_customers, new_customers, null,
  new_customers, null, null
from grouped
union all
select period_start, 'churned_customers', dimension, dimension_value, s - stayed, s - stayed, null, s, null, null
from grouped
union all
select period_start, 'churn_rate', dimension, dimension_value,
  case when s > 0 then 100.0 * (s - stayed) / s end, s - stayed, s, s, null, null
from grouped
union all
select period_start, 'retention_rate', dimension, dimension_value,
  case when s > 0 then 100.0 * stayed / s end, stayed, s, s, null, null
from grouped
