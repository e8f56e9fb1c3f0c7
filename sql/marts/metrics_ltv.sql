-- ltv per period and dimension: arpu × 100 / churn_rate, the revenue of a customer over the expected
-- lifetime in periods (SPEC §4); NULL when churn_rate is 0 or undefined. Reads the rows already computed.
select
  a.period_start, 'ltv' as metric, a.dimension, a.dimension_value,
  case when c.value > 0 then a.value * 100.0 / c.value end as value,
  a.value as numerator, c.value / 100.0 as denominator, c.sample_size,
  cast(null as double precision) as ci_low, cast(null as double precision) as ci_high
from metric_rows as a
left join metric_rows as c
  on c.period_start = a.period_start
  and c.metric = 'churn_rate'
  and c.dimension = a.dimension
  and c.dimension_value = a.dimension_value
where a.metric = 'arpu'
