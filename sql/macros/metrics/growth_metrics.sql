{#- Growth and funnel metrics per period (SPEC §4): referral_rate (new customers who were referred),
    referral_conversion_rate (referrals sent that led to a sign-up), cart_abandonment_rate (carts created
    without an order) and conversion_rate (sessions that led to an order). -#}
{% macro growth_metrics() -%}
  with newly_active as (
    select
      p.period_start,
      coalesce(c.segment, 'unknown') as segment,
      case when c.referred_by_customer_id is not null then 1 else 0 end as is_referred
    from periods as p
    inner join {{ ref('int_customers') }} as c on c.first_active_date between p.period_start and p.period_end
  ),

  new_customers as (
    select
      period_start,
      {{ dimension_columns(['segment']) }},
      count(*) as n,
      sum(is_referred) as referred
    from newly_active
    group by {{ dimension_grouping_sets(['period_start'], ['segment']) }}
  ),

  funnels as (
    select p.period_start, 'referral_conversion_rate' as metric,
      count(*) as n, sum(case when r.signed_up_customer_id is not null then 1 else 0 end) as hits
    from periods as p
    inner join {{ ref('stg_ecommerce__referrals') }} as r on r.sent_date between p.period_start and p.period_end
    group by 1
    union all
    select p.period_start, 'cart_abandonment_rate',
      count(*), sum(case when c.order_id is null then 1 else 0 end)
    from periods as p
    inner join {{ ref('int_carts_unioned') }} as c on c.created_date between p.period_start and p.period_end
    group by 1
    union all
    select p.period_start, 'conversion_rate',
      count(*), sum(case when s.order_id is not null then 1 else 0 end)
    from periods as p
    inner join {{ ref('stg_ecommerce__sessions') }} as s on s.started_date between p.period_start and p.period_end
    group by 1
  )

  select
    period_start, 'referral_rate' as metric, dimension, dimension_value,
    100.0 * referred / n as value, referred as numerator, cast(n as double precision) as denominator,
    n as sample_size, cast(null as double precision) as variance
  from new_customers
  union all
  select period_start, metric, 'all', 'all', 100.0 * hits / n, hits, n, n, null
  from funnels
{%- endmacro %}
