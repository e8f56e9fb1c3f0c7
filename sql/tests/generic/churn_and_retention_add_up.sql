{#- churn_rate + retention_rate = 100 wherever both are defined (SPEC §4: churned = S − (E − N), so the two
    shares of S add up). Fails with the rows where they do not. -#}
{% test churn_and_retention_add_up(model, period_column) %}
with metric_rows as (
  select * from {{ model }}
)

select churn.{{ period_column }}, churn.dimension, churn.dimension_value,
  churn.value as churn_rate, retention.value as retention_rate
from metric_rows as churn
inner join metric_rows as retention
  on retention.{{ period_column }} = churn.{{ period_column }}
  and retention.dimension = churn.dimension
  and retention.dimension_value = churn.dimension_value
  and retention.metric = 'retention_rate'
where churn.metric = 'churn_rate'
  and churn.value is not null
  and abs(churn.value + retention.value - 100) > 1e-9
{% endtest %}
