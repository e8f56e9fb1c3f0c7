{#- Customer base per period and dimension (SPEC §4): S = active on the day before the window starts (a − 1),
    E = active on the period's last day (b), stayed = in S and in E. active_customers and new_customers take the
    period itself; churn and retention take the window (the trailing 30 days in the daily table, the calendar
    month in the monthly one).
    S and E are read off the spells' census. Spells of one customer neither overlap nor touch, so a customer
    counts once in each; one active at both ends either has one spell across the window, counted as
    started(a − 1) − ended(b) + the spells that begin and end inside the window, or comes back in another spell
    by b (rare, and the only case that needs a look at the customer's other spells). -#}
{% macro customer_base_metrics() -%}
  with ends_of_window as (
    select
      p.period_start, before.segment, before.region,
      before.started - before.ended as s,
      at_end.started - at_end.ended as e,
      before.started - at_end.ended as stayed,
      0 as new_customers
    from periods as p
    inner join spell_census as before on before.day = p.window_start - 1
    inner join spell_census as at_end
      on at_end.segment = before.segment and at_end.region = before.region and at_end.day = p.period_end
  ),

  -- Windows are at most 31 days long, so a spell inside one is shorter than that.
  inside_window as (
    select p.period_start, spell.segment, spell.region, 0 as s, 0 as e, 1 as stayed, 0 as new_customers
    from periods as p
    inner join spells as spell
      on spell.active_from >= p.window_start and spell.active_to < p.period_end
    where spell.active_to < spell.active_from + 31
  ),

  back_by_end as (
    select p.period_start, comeback.segment, comeback.region, 0 as s, 0 as e, 1 as stayed, 0 as new_customers
    from periods as p
    inner join spells as comeback
      on comeback.previous_active_to >= p.window_start - 1
      and comeback.active_from <= p.period_end and comeback.active_to >= p.period_end
    inner join spells as earlier
      on earlier.customer_key = comeback.customer_key
      and p.window_start - 1 between earlier.active_from and earlier.active_to
  ),

  newly_active as (
    select p.period_start, coalesce(c.segment, 'unknown'), coalesce(c.region, 'unknown'), 0, 0, 0, 1
    from period_days as p
    inner join {{ ref('int_customers') }} as c on c.first_active_date = p.day
  ),

  -- A cell of the customer base exists where it has a customer in S, in E or new.
  cells as (
    select period_start, segment, region, sum(s) as s, sum(e) as e, sum(stayed) as stayed,
      sum(new_customers) as new_customers
    from (
      select * from ends_of_window
      union all
      select * from inside_window
      union all
      select * from back_by_end
      union all
      select * from newly_active
    ) as parts
    group by period_start, segment, region
    having sum(s) + sum(e) + sum(new_customers) > 0
  ),

  grouped as (
    select
      period_start,
      {{ dimension_columns(['segment', 'region']) }},
      sum(s) as s,
      sum(e) as e,
      sum(stayed) as stayed,
      sum(new_customers) as new_customers
    from cells
    group by {{ dimension_grouping_sets(['period_start'], ['segment', 'region']) }}
  )

  select
    period_start, 'active_customers' as metric, dimension, dimension_value,
    cast(e as {{ type_double() }}) as value, e as numerator, cast(null as {{ type_double() }}) as denominator,
    e as sample_size, cast(null as {{ type_double() }}) as variance
  from grouped
  union all
  select period_start, 'new_customers', dimension, dimension_value, new_customers, new_customers, null,
    new_customers, null
  from grouped
  union all
  select period_start, 'churned_customers', dimension, dimension_value, s - stayed, s - stayed, null, s, null
  from grouped
  union all
  select period_start, 'churn_rate', dimension, dimension_value,
    case when s > 0 then 100.0 * (s - stayed) / s end, s - stayed, s, s, null
  from grouped
  union all
  select period_start, 'retention_rate', dimension, dimension_value,
    case when s > 0 then 100.0 * stayed / s end, stayed, s, s, null
  from grouped
{%- endmacro %}
