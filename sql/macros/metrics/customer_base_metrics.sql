{#- Customer base per period and dimension (SPEC §4): S = active on the day before the window starts,
    E = active on the period's last day, N = active on the last day but not on the day before the window.
    active_customers and new_customers take the period itself; churn and retention take the window (the
    trailing 30 days in the daily table, the calendar month in the monthly one).
    Spells of one customer neither overlap nor touch, so a customer counts once in each of S and E; one
    active at both ends either has one spell across the window or comes back in another spell (rare,
    and the only case that needs a second look at the customer's spells). -#}
{% macro customer_base_metrics() -%}
  with spells as (
    select a.customer_key, a.active_from, a.active_to,
      coalesce(c.segment, 'unknown') as segment, coalesce(c.region, 'unknown') as region
    from {{ ref('int_customer_activity') }} as a
    left join {{ ref('int_customers') }} as c on c.customer_key = a.customer_key
  ),

  at_start as (
    select p.period_start, p.period_end, s.customer_key, s.active_to, s.segment, s.region
    from periods as p
    inner join spells as s on p.window_start - 1 between s.active_from and s.active_to
  ),

  -- Spells of one customer neither overlap nor touch, so a customer counts once in each of S and E; one
  -- active at both ends either has one spell across the window or comes back in another spell (rare,
  -- and the only case that needs a second look at the customer's spells).
  back_by_end as (
    select st.period_start, st.customer_key, st.segment, st.region
    from at_start as st
    inner join spells as s
      on s.customer_key = st.customer_key and st.period_end between s.active_from and s.active_to
    where st.active_to < st.period_end
  ),

  memberships as (
    select period_start, segment, region, 1 as in_s, 0 as in_e,
      case when active_to >= period_end then 1 else 0 end as stayed, 0 as is_new
    from at_start
    union all
    select period_start, segment, region, 0, 0, 1, 0 from back_by_end
    union all
    select p.period_start, s.segment, s.region, 0, 1, 0, 0
    from periods as p
    inner join spells as s on p.period_end between s.active_from and s.active_to
    union all
    select p.period_start, coalesce(c.segment, 'unknown'), coalesce(c.region, 'unknown'), 0, 0, 0, 1
    from periods as p
    inner join {{ ref('int_customers') }} as c on c.first_active_date between p.period_start and p.period_end
  ),

  grouped as (
    select
      period_start,
      {{ dimension_columns(['segment', 'region']) }},
      sum(in_s) as s,
      sum(in_e) as e,
      sum(stayed) as stayed,
      sum(is_new) as new_customers
    from memberships
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
