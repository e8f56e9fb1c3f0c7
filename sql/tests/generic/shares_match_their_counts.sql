{#- Every share (a metric whose interval is Wilson's in the metric catalogue) is 100 × numerator / denominator,
    and undefined (NULL) over a zero denominator. Fails with the rows that are not. -#}
{% test shares_match_their_counts(model, catalog) %}
with metric_rows as (
  select * from {{ model }}
)

select m.*
from metric_rows as m
inner join {{ catalog }} as c on c.metric = m.metric and c.interval = 'wilson'
where (m.denominator > 0 and (m.value is null or abs(m.value - 100.0 * m.numerator / m.denominator) > 1e-9))
  or (m.denominator = 0 and m.value is not null)
{% endtest %}
