{#- Support metrics per period and dimension (SPEC §4): tickets created and resolved, hours to first
    response and to resolution (median and p90, linear interpolation), and each channel's share of the
    tickets created. Each ticket counts in the period of the timestamp the metric is about. -#}
{% macro ticket_metrics() -%}
  with events as (
    select p.period_start, 'created' as event, t.channel, t.team, t.agent, cast(null as {{ type_double() }}) as hours
    from period_days as p
    inner join {{ ref('int_tickets') }} as t on t.created_date = p.day
    union all
    select p.period_start, 'resolved', t.channel, t.team, t.agent, t.resolution_hours
    from period_days as p
    inner join {{ ref('int_tickets') }} as t on t.resolved_date = p.day
    union all
    select p.period_start, 'first_response', t.channel, t.team, t.agent, t.first_response_hours
    from period_days as p
    inner join {{ ref('int_tickets') }} as t on t.first_response_date = p.day
  ),

  grouped as (
    select
      period_start,
      event,
      {{ dimension_columns(['channel', 'team', 'agent']) }},
      count(*) as n,
      percentile_cont(0.5) within group (order by hours) as median_hours,
      percentile_cont(0.9) within group (order by hours) as p90_hours
    from events
    group by {{ dimension_grouping_sets(['period_start', 'event'], ['channel', 'team', 'agent']) }}
  ),

  created_totals as (
    select period_start, n as created
    from grouped
    where event = 'created' and dimension = 'all'
  )

  select
    period_start, case event when 'created' then 'tickets_created' else 'tickets_resolved' end as metric,
    dimension, dimension_value,
    cast(n as {{ type_double() }}) as value, n as numerator, cast(null as {{ type_double() }}) as denominator,
    n as sample_size, cast(null as {{ type_double() }}) as variance
  from grouped
  where event in ('created', 'resolved')
  union all
  select
    period_start, case event when 'resolved' then 'resolution_hours_median' else 'first_response_hours_median' end,
    dimension, dimension_value, cast(median_hours as {{ type_double() }}), null, null, n, null
  from grouped
  where event in ('resolved', 'first_response')
  union all
  select
    period_start, case event when 'resolved' then 'resolution_hours_p90' else 'first_response_hours_p90' end,
    dimension, dimension_value, cast(p90_hours as {{ type_double() }}), null, null, n, null
  from grouped
  where event in ('resolved', 'first_response')
  union all
  select
    g.period_start, 'channel_share', g.dimension, g.dimension_value,
    100.0 * g.n / t.created, g.n, t.created, g.n, null
  from grouped as g
  inner join created_totals as t on t.period_start = g.period_start
  where g.event = 'created' and g.dimension = 'channel'
{%- endmacro %}
