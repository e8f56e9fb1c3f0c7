{#- revenue per period and dimension, and arpu over the window (SPEC §4). Revenue is completed orders in
    the base currency plus subscription fees accrued per active day: monthly_amount converted at the day's
    rate, divided by the days in that month. arpu divides the window's revenue by the customers active on
    any day of the window. Sums are taken in decimal: exact, so the same in whatever order the engine
    adds the rows up, which lets revenue be summed per day first and per period after.
    Subscriptions are counted through their census per segment, region and currency, never day by day: a
    day's fees are the monthly amounts active on it, at its rate, over the days in its month.
    One item per period: an order or a subscription counts once in a period's sample, however many days it
    accrues. A customer counts once in a window: by the first of their spells that meets it. -#}
{% macro revenue_metrics(grain) -%}
  with orders as (
    select
      o.ordered_date as day, coalesce(c.segment, 'unknown') as segment, coalesce(c.region, 'unknown') as region,
      coalesce(o.channel, 'unknown') as channel, cast(o.amount_base as decimal(38, 12)) as amount
    from {{ ref('int_orders') }} as o
    left join {{ ref('int_customers') }} as c on c.customer_key = o.customer_key
    where o.status = 'completed'
      and o.ordered_date between (select min(window_start) from periods) and (select max(period_end) from periods)
  ),

  accruing as (
    select
      coalesce(c.segment, 'unknown') as segment, coalesce(c.region, 'unknown') as region, s.currency,
      s.started_date as starts_on, s.ended_date as ends_before,
      cast(s.monthly_amount as decimal(38, 12)) as monthly_amount
    from {{ ref('int_subscriptions') }} as s
    left join {{ ref('int_customers') }} as c on c.customer_key = s.customer_id
    where s.monthly_amount is not null and (s.ended_date is null or s.ended_date > s.started_date)
  ),

  subscription_census as (
    {{ census('accruing', ['segment', 'region', 'currency'], weight='monthly_amount') }}
  ),

  subscription_days as (
    select
      sc.day, sc.segment, sc.region,
      cast(cast(sc.active_weight as {{ type_double() }}) * fx.rate_to_base / d.days_in_month as decimal(38, 12))
        as amount
    from subscription_census as sc
    inner join run_days as d on d.day = sc.day
    inner join {{ ref('int_fx_rates') }} as fx
      on fx.currency = sc.currency and sc.day >= fx.valid_from and (fx.valid_until is null or sc.day < fx.valid_until)
  ),

  -- The subscriptions accruing on any day of the period: started by its last day, not ended by its first.
  subscription_items as (
    select p.period_start, at_end.segment, at_end.region, sum(at_end.started - at_start.ended) as items
    from periods as p
    inner join subscription_census as at_start on at_start.day = p.period_start
    inner join subscription_census as at_end
      on at_end.segment = at_start.segment and at_end.region = at_start.region
      and at_end.currency = at_start.currency and at_end.day = p.period_end
    group by p.period_start, at_end.segment, at_end.region
  ),

  subscription_fees as (
    select p.period_start, d.segment, d.region, sum(d.amount) as amount
    from period_days as p
    inner join subscription_days as d on d.day = p.day
    group by p.period_start, d.segment, d.region
  ),

  period_items as (
    select p.period_start, o.segment, o.region, o.channel, o.amount, 1 as items
    from period_days as p
    inner join orders as o on o.day = p.day
    union all
    select i.period_start, i.segment, i.region, null, f.amount, i.items
    from subscription_items as i
    inner join subscription_fees as f
      on f.period_start = i.period_start and f.segment = i.segment and f.region = i.region
    where i.items > 0
  ),

  period_revenue as (
    select period_start, dimension, dimension_value, revenue, items
    from (
      select
        period_start,
        channel,
        {{ dimension_columns(['segment', 'region', 'channel']) }},
        cast(sum(amount) as {{ type_double() }}) as revenue,
        cast(sum(items) as bigint) as items
      from period_items
      group by {{ dimension_grouping_sets(['period_start'], ['segment', 'region', 'channel']) }}
    ) as grouped
    -- the channel dimension covers orders only: subscriptions have no channel
    where dimension <> 'channel' or channel is not null
  ),

  day_revenue as (
    select day, segment, region, sum(amount) as amount
    from (
      select day, segment, region, amount from orders
      union all
      select day, segment, region, amount from subscription_days
    ) as day_amounts
    group by day, segment, region
  ),

  window_revenue as (
    select
      period_start,
      {{ dimension_columns(['segment', 'region']) }},
      cast(sum(amount) as {{ type_double() }}) as revenue
    from (
      select p.period_start, r.segment, r.region, r.amount
      from periods as p
      inner join day_revenue as r on r.day between p.window_start and p.period_end
    ) as window_days
    group by {{ dimension_grouping_sets(['period_start'], ['segment', 'region']) }}
  ),

  -- Customers active on any day of the window: spells meeting it (started by its last day, not ended by its
  -- first) but those whose customer's spell before also met it.
  window_spells as (
    select p.period_start, at_start.segment, at_start.region, at_end.started - at_start.ended as customers
    from periods as p
    inner join spell_census as at_start on at_start.day = p.window_start
    inner join spell_census as at_end
      on at_end.segment = at_start.segment and at_end.region = at_start.region and at_end.day = p.period_end
    union all
    select p.period_start, s.segment, s.region, -1
    from periods as p
    inner join spells as s on s.previous_active_to >= p.window_start and s.active_from <= p.period_end
  ),

  window_cells as (
    select period_start, segment, region, sum(customers) as customers
    from window_spells
    group by period_start, segment, region
    having sum(customers) > 0
  ),

  window_customers as (
    select
      period_start,
      {{ dimension_columns(['segment', 'region']) }},
      sum(customers) as customers
    from window_cells
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
