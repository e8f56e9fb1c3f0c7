{#- The rows of a metric table (SPEC §2), its columns typed as the contract gives them, for the run's periods of
    `grain`; `period_column` is metric_date or month. -#}
{% macro metric_table(grain, period_column) -%}
  select
    cast(period_start as date) as {{ period_column }},
    cast(metric as {{ dbt.type_string() }}) as metric,
    cast(dimension as {{ dbt.type_string() }}) as dimension,
    cast(dimension_value as {{ dbt.type_string() }}) as dimension_value,
    cast(value as {{ type_double() }}) as value,
    cast(numerator as {{ type_double() }}) as numerator,
    cast(denominator as {{ type_double() }}) as denominator,
    cast(sample_size as bigint) as sample_size,
    cast(ci_low as {{ type_double() }}) as ci_low,
    cast(ci_high as {{ type_double() }}) as ci_high,
    {{ utc_now() }} as computed_at
  from ({{ metric_rows(grain) }}) as metric_rows
{%- endmacro %}
