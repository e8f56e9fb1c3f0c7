{#- nps per period and dimension: 100 × (promoters − detractors) / responses (SPEC §4), with the variance of one
    answer, from which metric_rows draws its interval. -#}
{% macro nps_metrics() -%}
  with responses as (
    select
      p.period_start,
      coalesce(r.channel, 'unknown') as channel,
      coalesce(c.segment, 'unknown') as segment,
      coalesce(c.region, 'unknown') as region,
      case when r.score >= 9 then 1 else 0 end as is_promoter,
      case when r.score <= 6 then 1 else 0 end as is_detractor
    from period_days as p
    inner join {{ ref('int_nps_responses') }} as r on r.responded_date = p.day
    left join {{ ref('int_customers') }} as c on c.customer_key = r.customer_key
  ),

  grouped as (
    select
      period_start,
      {{ dimension_columns(['channel', 'segment', 'region']) }},
      count(*) as n,
      sum(is_promoter) as promoters,
      sum(is_detractor) as detractors
    from responses
    group by {{ dimension_grouping_sets(['period_start'], ['channel', 'segment', 'region']) }}
  ),

  scored as (
    select
      *,
      100.0 * (promoters - detractors) / n as nps,
      -- the variance of one answer scored +1 / 0 / −1: p + d − (p − d)², p and d the shares
      1.0 * promoters / n + 1.0 * detractors / n - power(1.0 * (promoters - detractors) / n, 2) as variance
    from grouped
  )

  select
    period_start, 'nps' as metric, dimension, dimension_value,
    nps as value, promoters - detractors as numerator, n as denominator, n as sample_size,
    variance
  from scored
{%- endmacro %}
