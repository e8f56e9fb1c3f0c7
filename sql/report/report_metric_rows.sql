-- Every row of metrics_monthly that the reports of a range of months show: each report's twelve months.
select month, metric, dimension, dimension_value, value, numerator, denominator, sample_size, ci_low, ci_high
from marts.metrics_monthly
where month between :first_month and :last_month
order by month, metric, dimension, dimension_value
