{#- csat_pct, csat_avg, ces_avg and ces_easy_pct per period and dimension (SPEC §4). position is a score's
    place on its own scale (0 to 1); rescaled to 1–5 it is 1 + 4 × position. A CSAT response is satisfied
    from position 0.75, a CES response is easy up to position 0.25. -#}
{% macro survey_metrics() -%}
  with responses as (
    select
      p.period_start,
      r.survey_type,
      r.channel,
      r.agent,
      r.team,
      r.segment,
      1 + 4 * r.position as rescaled,
      case when r.position >= 0.75 then 1 else 0 end as is_satisfied,
      case when r.position <= 0.25 then 1 else 0 end as is_easy
    from period_days as p
    inner join {{ ref('int_survey_responses') }} as r on r.responded_date = p.day
    where r.survey_type in ('csat', 'ces')
  ),

  grouped as (
    select
      period_start,
      survey_type,
      {{ dimension_columns(['channel', 'agent', 'team', 'segment']) }},
      count(*) as n,
      cast(sum(cast(rescaled as decimal(38, 12))) as {{ type_double() }}) as rescaled_sum,
      var_samp(rescaled) as rescaled_variance,
      sum(is_satisfied) as satisfied,
      sum(is_easy) as easy
    from responses
    group by {{ dimension_grouping_sets(['period_start', 'survey_type'], ['channel', 'agent', 'team', 'segment']) }}
  )

  select
    period_start, case survey_type when 'csat' then 'csat_avg' else 'ces_avg' end as metric,
    dimension, dimension_value,
    rescaled_sum / n as value, rescaled_sum as numerator, n as denominator, n as sample_size,
    rescaled_variance as variance
  from grouped
  union all
  select
    period_start, case survey_type when 'csat' then 'csat_pct' else 'ces_easy_pct' end,
    dimension, dimension_value,
    100.0 * (case survey_type when 'csat' then satisfied else easy end) / n,
    case survey_type when 'csat' then satisfied else easy end, n, n,
    null
  from grouped
{%- endmacro %}
