-- revenue per period and dimension, and arpu over the window (SPEC §4). Revenue is completed orders in
-- the base currency plus subscription fees accrued per active day: monthly_amount converted at the day's
-- rate, divided by the days in that month. arpu divides the window's revenue by the customers active on
-- any day of the window. Sums are taken in decimal: exact, so the same in whatever order the engine
-- adds the rows up.
with revenue_items as (
  select
    o.ordered_date as day, o.customer_key, o.channel, o.amount_base as amount, 'order:' || o.order_id as item
  from intermediate.orders as o
  where o.status = 'completed'
    and o.ordered_date between (select min(window_start) from periods) and (select max(period_end) from periods)
  union all
  select
    d.day, s.customer_id, null, s.monthly_amount * fx.rate_to_base / d.days_in_month,
    'subscription:' || s.subscription_id
  from run_days as d
  inner join intermediate.subscriptions as s
    on d.day >= s.started_date and (s.ended_date is null or d.day < s.ended_date)
  inner join intermediate.fx_rates as fx
    on fx.currency = s.currency and d.day >= fx.valid_from and (fx.valid_until is null or d.day < fx.valid_until)
  where s.monthly_amount is not null
),

attributed as (
  select r.*, coalesce(c.segment, 'unknown') as segment, coalesce(c.region, 'unknown') as region
  from revenue_items as r
  left join intermediate.customers as c on c.customer_key = r.customer_key
),

period_revenue as (
  select
    p.period_start,
    d.dimension,
    case d.dimension
      when 'all' then 'all'
      when 'segment' then a.segment
      when 'region' then a.region
      when 'channel' then coalesce(a.channel, 'unknown')
    end as dimension_value,
    cast(sum(cast(a.amount as decimal(38, 12))) as double precision) as revenue,
    count(distinct a.item) as items
  from periods as p
  inner join attributed as a on a.day between p.period_start and p.period_end
  cross join (values ('all'), ('segment'), ('region'), ('channel')) as d (dimension)
  where d.dimension <> 'channel' or a.item like 'order:%'
  group by 1, 2, 3
),

window_revenue as (
  select
    p.period_start,
    d.dimension,
    case d.dimension when 'all' then 'all' when 'segment' then a.segment when 'region' then a.region end
      as dimension_value,
    cast(sum(cast(a.amount as decimal(38, 12))) as double precision) as revenue
  from periods as p
  inner join attributed as a on a.day between p.window_start and p.period_end
  cross join (values ('all'), ('segment'), ('region')) as d (dimension)
  group by 1, 2, 3
),

window_customers as (
  select
    p.period_start,
    d.dimension,
    case d.dimension
      when 'all' then 'all'
      when 'segment' then coalesce(c.segment, 'unknown')
      when 'region' then coalesce(c.region, 'unknown')
    end as dimension_value,
    count(distinct a.customer_key) as customers
  from periods as p
  inner join intermediate.customer_activity as a on a.active_from <= p.period_end and a.active_to >= p.window_start
  left join intermediate.customers as c on c.customer_key = a.customer_key
  cross join (values ('all'), ('segment'), ('region')) as d (dimension)
  group by 1, 2, 3
)

select
  period_start, 'revenue' as metric, dimension, dimension_value,
  revenue as value, revenue as numerator, cast(null as double precision) as denominator, items as sample_size,
  cast(null as double precision) as ci_low, cast(null as double precision) as ci_high
from period_revenue
union all
select
  c.period_start, 'arpu', c.dimension, c.dimension_value,
  coalesce(r.revenue, 0) / c.customers, coalesce(r.revenue, 0), c.customers, c.customers, null, null
from window_customers as c
left join window_revenue as r
  on r.period_start = c.period_start and r.dimension = c.dimension and r.dimension_value = c.dimension_value
