{#- Shop metrics per period and dimension (SPEC §4): average_order_value and upsell_rate over completed
    orders; repeat_purchase_rate over customers with a completed order in the period that is not their
    first ever. -#}
{% macro order_metrics() -%}
  with completed as (
    select
      p.period_start, o.order_id, o.customer_key, o.amount_base, o.is_upsell, o.is_first_purchase, o.segment,
      coalesce(o.channel, 'unknown') as channel
    from period_days as p
    inner join {{ ref('int_orders') }} as o on o.ordered_date = p.day
    where o.status = 'completed'
  ),

  by_order as (
    select
      period_start,
      {{ dimension_columns(['channel']) }},
      count(*) as orders,
      cast(sum(cast(amount_base as decimal(38, 12))) as {{ type_double() }}) as revenue,
      var_samp(amount_base) as amount_variance,
      sum(case when is_upsell then 1 else 0 end) as upsells
    from completed
    group by {{ dimension_grouping_sets(['period_start'], ['channel']) }}
  ),

  buyers as (
    select period_start, customer_key, coalesce(max(segment), 'unknown') as segment,
      max(case when is_first_purchase then 0 else 1 end) as is_repeat
    from completed
    where customer_key is not null
    group by period_start, customer_key
  ),

  by_buyer as (
    select
      period_start,
      {{ dimension_columns(['segment']) }},
      count(*) as buyers,
      sum(is_repeat) as repeat_buyers
    from buyers
    group by {{ dimension_grouping_sets(['period_start'], ['segment']) }}
  )

  select
    period_start, 'average_order_value' as metric, dimension, dimension_value,
    revenue / orders as value, revenue as numerator, cast(orders as {{ type_double() }}) as denominator,
    orders as sample_size, amount_variance as variance
  from by_order
  union all
  select period_start, 'upsell_rate', dimension, dimension_value, 100.0 * upsells / orders, upsells, orders,
    orders, null
  from by_order
  union all
  select period_start, 'repeat_purchase_rate', dimension, dimension_value, 100.0 * repeat_buyers / buyers,
    repeat_buyers, buyers, buyers, null
  from by_buyer
{%- endmacro %}
