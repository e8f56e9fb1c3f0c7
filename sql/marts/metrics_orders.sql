-- Shop metrics per period and dimension (SPEC §4): average_order_value and upsell_rate over completed
-- orders; repeat_purchase_rate over customers with a completed order in the period that is not their
-- first ever.
with completed as (
  select p.period_start, o.*, coalesce(o.channel, 'unknown') as channel_value
  from periods as p
  inner join intermediate.orders as o on o.ordered_date between p.period_start and p.period_end
  where o.status = 'completed'
),

by_order as (
  select
    period_start,
    case when grouping(channel_value) = 0 then 'channel' else 'all' end as dimension,
    coalesce(channel_value, 'all') as dimension_value,
    count(*) as orders,
    cast(sum(cast(amount_base as decimal(38, 12))) as double precision) as revenue,
    sum(case when is_upsell then 1 else 0 end) as upsells
  from completed
  group by grouping sets ((period_start), (period_start, channel_value))
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
    case when grouping(segment) = 0 then 'segment' else 'all' end as dimension,
    coalesce(segment, 'all') as dimension_value,
    count(*) as buyers,
    sum(is_repeat) as repeat_buyers
  from buyers
  group by grouping sets ((period_start), (period_start, segment))
)

select
  period_start, 'average_order_value' as metric, dimension, dimension_value,
  revenue / orders as value, revenue as numerator, cast(orders as double precision) as denominator,
  orders as sample_size, cast(null as double precision) as ci_low, cast(null as double precision) as ci_high
from by_order
union all
select period_start, 'upsell_rate', dimension, dimension_value, 100.0 * upsells / orders, upsells, orders,
  orders, null, null
from by_order
union all
select period_start, 'repeat_purchase_rate', dimension, dimension_value, 100.0 * repeat_buyers / buyers,
  repeat_buyers, buyers, buyers, null, null
from by_buyer
