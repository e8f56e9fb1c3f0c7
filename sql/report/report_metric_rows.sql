-- Every row of metrics_monthly for the report's window: the twelve months ending with the report month.
select month, metric, dimension, dimension_value, value, numerator, denominator, sample_size, ci_low, ci_high
from marts.metrics_monthly
where month between :first_month and :month
order by month, metric, dimension, dimension_value
