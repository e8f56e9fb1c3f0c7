-- The 'all' row of every metric that had no data in a period: counts are 0, rates, averages and
-- medians are undefined (value NULL) over a zero denominator.
select
  p.period_start, m.metric, 'all' as dimension, 'all' as dimension_value,
  m.empty_value as value, m.empty_numerator as numerator, m.empty_denominator as denominator,
  0 as sample_size, cast(null as double precision) as ci_low, cast(null as double precision) as ci_high
from periods as p
cross join metric_catalog as m
where not exists (
  select 1
  from metric_rows as r
  where r.period_start = p.period_start and r.metric = m.metric and r.dimension = 'all'
)
