{#- Growth and funnel metrics per period (SPEC §4): referral_rate (new customers who were referred),
    referral_conversion_rate (referrals sent that led to a sign-up), cart_abandonment_rate (carts created
    without an order) and conversion_rate (sessions that led to an order). -#}
{% macro growth_metrics() -%}
  with newly_active as (
    select
      p.period_start,
      coalesce(c.segment, 'unknown') as segment,
      case when c.referred_by_customer_id is not null then 1 else 0 end as is_referred
    from period_days as p
    inner join {{ ref('int_customers') }} as c on c.first_active_date = p.day
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

  -- Each funnel counted per day first, then per period: the periods' joins then cover days, not records.
  funnel_days as (
    select 'referral_conversion_rate' as metric, sent_date as day,
      count(*) as n, sum(case when signed_up_customer_id is not null then 1 else 0 end) as hits
    from {{ ref('stg_ecommerce__referrals') }}
    where sent_date between (select min(period_start) from periods) and (select max(period_end) from periods)
    group by sent_date
    union all
    select 'cart_abandonment_rate', created_date,
      count(*), sum(case when order_id is null then 1 else 0 end)
    from {{ ref('int_carts_unioned') }}
    where created_date between (select min(period_start) from periods) and (select max(period_end) from periods)
    group by created_date
    union all
    select 'conversion_rate', started_date,
      count(*), sum(case when order_id is not null then 1 else 0 end)
    from {{ ref('stg_ecommerce__sessions') }}
    where started_date between (select min(period_start) from periods) and (select max(period_end) from periods)
    group by started_date
  ),

  funnels as (
    select p.period_start, f.metric, cast(sum(f.n) as bigint) as n, cast(sum(f.hits) as bigint) as hits
    from period_days as p
    inner join funnel_days as f on f.day = p.day
    group by p.period_start, f.metric
  )

  select
    period_start, 'referral_rate' as metric, dimension, dimension_value,
    100.0 * referred / n as value, referred as numerator, cast(n as {{ type_double() }}) as denominator,
    n as sample_size, cast(null as {{ type_double() }}) as variance
  from new_customers
  union all
  select period_start, metric, 'all', 'all', 100.0 * hits / n, hits, n, n, null
  from funnels
{%- endmacro %}
