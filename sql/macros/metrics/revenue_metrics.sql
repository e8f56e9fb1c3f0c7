{#- revenue per period and dimension, and arpu over the window (SPEC §4). Revenue is completed orders in
    the base currency plus subscription fees accrued per active day: monthly_amount converted at the day's
    rate, divided by the days in that month. arpu divides the window's revenue by the customers active on
    any day of the window. Sums are taken in decimal: exact, so the same in whatever order the engine
    adds the rows up, which lets revenue be summed per day first and per period after.
    One row per period and item: an order or a subscription counts once in a period's sample, however
    many days it accrues.
    A customer counts once in a window: by the first of their spells that meets it (the spell before it,
    if any, ended before the window began). -#}
{% macro revenue_metrics(grain) -%}
  with revenue_items as (
    select
      o.ordered_date as day, 'order' as kind, o.order_id as item_id, o.customer_key,
      coalesce(o.channel, 'unknown') as channel, cast(o.amount_base as decimal(38, 12)) as amount
    from {{ ref('int_orders') }} as o
    where o.status = 'completed'
      and o.ordered_date between (select min(window_start) from periods) and (select max(period_end) from periods)
    union all
    select
      d.day, 'subscription', s.subscription_id, s.customer_id, null,
      cast(s.monthly_amount * fx.rate_to_base / d.days_in_month as decimal(38, 12))
    from run_days as d
    inner join {{ ref('int_subscriptions') }} as s
      on d.day >= s.started_date and (s.ended_date is null or d.day < s.ended_date)
    inner join {{ ref('int_fx_rates') }} as fx
      on fx.currency = s.currency and d.day >= fx.valid_from and (fx.valid_until is null or d.day < fx.valid_until)
    where s.monthly_amount is not null
  ),

  attributed as (
    select r.*, coalesce(c.segment, 'unknown') as segment, coalesce(c.region, 'unknown') as region
    from revenue_items as r
    left join {{ ref('int_customers') }} as c on c.customer_key = r.customer_key
  ),

  period_days as (
    select p.period_start, d.day
    from periods as p
    inner join run_days as d on d.day between p.period_start and p.period_end
  ),

  -- One row per period and item: an order or a subscription counts once in a period's sample, however
  -- many days it accrues. A day holds each item once already.
  period_items as (
    select pd.period_start, a.kind, a.item_id, a.segment, a.region, a.channel,
      {% if grain == 'daily' %}a.amount{% else %}sum(a.amount) as amount{% endif %}
    from attributed as a
    inner join period_days as pd on pd.day = a.day
    {%- if grain != 'daily' %}
    group by pd.period_start, a.kind, a.item_id, a.segment, a.region, a.channel
    {%- endif %}
  ),

  period_revenue as (
    select period_start, dimension, dimension_value, revenue, items
    from (
      select
        period_start,
        channel,
        {{ dimension_columns(['segment', 'region', 'channel']) }},
        cast(sum(amount) as {{ type_double() }}) as revenue,
        count(*) as items
      from period_items
      group by {{ dimension_grouping_sets(['period_start'], ['segment', 'region', 'channel']) }}
    ) as grouped
    -- the channel dimension covers orders only: subscriptions have no channel
    where dimension <> 'channel' or channel is not null
  ),

  day_revenue as (
    select day, segment, region, sum(amount) as amount
    from attributed
    group by day, segment, region
  ),

  window_days as (
    select p.period_start, r.segment, r.region, r.amount
    from periods as p
    inner join day_revenue as r on r.day between p.window_start and p.period_end
  ),

  window_revenue as (
    select
      period_start,
      {{ dimension_columns(['segment', 'region']) }},
      cast(sum(amount) as {{ type_double() }}) as revenue
    from window_days
    group by {{ dimension_grouping_sets(['period_start'], ['segment', 'region']) }}
  ),

  -- A customer counts once in a window: by the first of their spells that meets it (the spell before it,
  -- if any, ended before the window began).
  window_activity as (
    select p.period_start, coalesce(c.segment, 'unknown') as segment, coalesce(c.region, 'unknown') as region
    from periods as p
    inner join {{ ref('int_customer_activity') }} as a
      on a.active_from <= p.period_end and a.active_to >= p.window_start
      and (a.previous_active_to is null or a.previous_active_to < p.window_start)
    left join {{ ref('int_customers') }} as c on c.customer_key = a.customer_key
  ),

  window_customers as (
    select
      period_start,
      {{ dimension_columns(['segment', 'region']) }},
      count(*) as customers
    from window_activity
    group by {{ dimension_grouping_sets(['period_start'], ['segment', 'region']) }}
  )

  select
    period_start, 'revenue' as metric, dimension, dimension_value,
    revenue as value, revenue as numerator, cast(null as {{ type_double() }}) as denominator, items as sample_size,
    cast(null as {{ type_double() }}) as variance
  from period_revenue
  union all
  select
    c.period_start, 'arpu', c.dimension, c.dimension_value,
    coalesce(r.revenue, 0) / c.customers, coalesce(r.revenue, 0), c.customers, c.customers, null
  from window_customers as c
  left join window_revenue as r
    on r.period_start = c.period_start and r.dimension = c.dimension and r.dimension_value = c.dimension_value
{%- endmacro %}
