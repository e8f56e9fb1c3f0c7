{#- Every metric of SPEC §4 for the run's periods of `grain` ('daily' or 'monthly'): the rows of
    metrics_daily and metrics_monthly, with period_start standing for metric_date or month.

    Each family of metrics is a macro over the CTEs `periods` (period_start, period_end, window_start),
    `run_days` (day, days_in_month), `period_days` (day, period_start), `spells` (the customers' spells of
    activity with their segment and region) and `spell_census` (their census per segment and region,
    macros/metrics/census.sql), giving each row its value, numerator, denominator, sample size and, for NPS
    and means, the variance of one observation; ltv is derived from the arpu and churn_rate rows; a metric with
    no data in a period still gets its 'all' row (counts 0, rates and medians NULL over a zero denominator).
    Every row then gets the 95 % interval its catalogue entry names (macros/intervals.sql). -#}
{% macro metric_rows(grain) -%}
  {%- set periods = run_periods(grain) -%}
  with periods as (
    {{ periods_relation(periods) }}
  ),

  run_days as (
    {{ days_relation(periods) }}
  ),

  period_days as (
    -- each day of the periods with the period it falls in: a record joins its period by its day, an equality
    -- (a join on `between` the period's ends took 0.85 s of a 1.5 s daily run at 200,000 customers)
    select d.day, p.period_start
    from run_days as d
    inner join periods as p on d.day between p.period_start and p.period_end
  ),

  spells as (
    select
      a.customer_key, a.active_from, a.active_to, a.previous_active_to,
      a.active_from as starts_on, a.active_to + 1 as ends_before,
      coalesce(c.segment, 'unknown') as segment, coalesce(c.region, 'unknown') as region
    from {{ ref('int_customer_activity') }} as a
    left join {{ ref('int_customers') }} as c on c.customer_key = a.customer_key
  ),

  spell_census as (
    {{ census('spells', ['segment', 'region']) }}
  ),

  family_rows as (
    select * from ({{ nps_metrics() }}) as nps_metrics
    union all
    select * from ({{ survey_metrics() }}) as survey_metrics
    union all
    select * from ({{ ticket_metrics() }}) as ticket_metrics
    union all
    select * from ({{ customer_base_metrics() }}) as customer_base_metrics
    union all
    select * from ({{ revenue_metrics(grain) }}) as revenue_metrics
    union all
    select * from ({{ order_metrics() }}) as order_metrics
    union all
    select * from ({{ growth_metrics() }}) as growth_metrics
  ),

  ltv as (
    -- arpu × 100 / churn_rate: the revenue of a customer over the expected lifetime in periods; NULL when
    -- churn_rate is 0 or undefined.
    select
      a.period_start, 'ltv' as metric, a.dimension, a.dimension_value,
      case when c.value > 0 then a.value * 100.0 / c.value end as value,
      a.value as numerator, c.value / 100.0 as denominator, c.sample_size,
      cast(null as {{ type_double() }}) as variance
    from family_rows as a
    left join family_rows as c
      on c.period_start = a.period_start
      and c.metric = 'churn_rate'
      and c.dimension = a.dimension
      and c.dimension_value = a.dimension_value
    where a.metric = 'arpu'
  ),

  computed as (
    select * from family_rows
    union all
    select * from ltv
  ),

  without_data as (
    select
      p.period_start, m.metric, 'all' as dimension, 'all' as dimension_value,
      case m.kind when 'count' then 0.0 end as value,
      case m.kind when 'count' then 0.0 when 'rate' then 0.0 end as numerator,
      case m.kind when 'rate' then 0.0 end as denominator,
      0 as sample_size, cast(null as {{ type_double() }}) as variance
    from periods as p
    cross join {{ ref('metric_catalog') }} as m
    where m.dimensions like 'all%'
      and not exists (
        select 1 from computed as r
        where r.period_start = p.period_start and r.metric = m.metric and r.dimension = 'all'
      )
  ),

  all_rows as (
    select * from computed
    union all
    select * from without_data
  )

  select
    r.period_start, r.metric, r.dimension, r.dimension_value, r.value, r.numerator, r.denominator, r.sample_size,
    {{ confidence_bound('low') }} as ci_low,
    {{ confidence_bound('high') }} as ci_high
  from all_rows as r
  inner join {{ ref('metric_catalog') }} as c on c.metric = r.metric
  left join {{ ref('t_quantiles') }} as t on t.degrees_of_freedom = r.sample_size - 1
{%- endmacro %}
