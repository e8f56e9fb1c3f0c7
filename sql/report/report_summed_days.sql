-- The 'all' rows of metrics_daily summed over a run of days: what a partial month is compared with (the
-- same days of the month before). Only metrics whose daily rows add up are read from it (headline.py).
select metric, sum(value) as value, sum(numerator) as numerator, sum(denominator) as denominator,
  sum(sample_size) as sample_size
from marts.metrics_daily
where dimension = 'all' and metric_date between :first_day and :last_day
group by metric
