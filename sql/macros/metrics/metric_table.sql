{#- The rows of a metric table (SPEC §2), its columns typed as the contract gives them, for the run's periods of
    `grain`; `period_column` is metric_date or month. -#}
{% macro metric_table(grain, period_column) -%}
  select
    cast(period_start as date) as {{ period_column }},
    cast(metric as {{ dbt.type_string() }}) as metric,
    cast(dimension as {{ dbt.type_string() }}) as dimension,
    cast(dimension_value as {{ dbt.type_string() }}) as dimension_value,
    cast(value as double precision) as value,
    cast(numerator as double precision) as numerator,
    cast(denominator as double precision) as denominator,
    cast(sample_size as bigint) as sample_size,
    cast(ci_low as double precision) as ci_low,
    cast(ci_high as double precision) as ci_high,
    {{ utc_now() }} as computed_at
  from ({{ metric_rows(grain) }}) as metric_rows
{%- endmacro %}
