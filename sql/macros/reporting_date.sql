{#- The calendar day of a timestamp in the reporting time zone (SPEC §1: dates of metrics are taken in the
    reporting time zone). Raw timestamps are stored with their zone, so the conversion is explicit and
    does not depend on a session setting. -#}
{% macro reporting_date(column) -%}
  {{ return(adapter.dispatch('reporting_date', 'cx_pipeline')(column)) }}
{%- endmacro %}

{% macro default__reporting_date(column) -%}
  cast(({{ column }}) at time zone '{{ setting('reporting_timezone') }}' as date)
{%- endmacro %}

{#- Spark's timestamp is an instant shown in the session's zone: its wall time there, moved to the reporting
    zone. -#}
{% macro spark__reporting_date(column) -%}
  cast(convert_timezone(current_timezone(), '{{ setting('reporting_timezone') }}',
    cast({{ column }} as timestamp_ntz)) as date)
{%- endmacro %}


{#- The current time in UTC without a zone: `computed_at` of the metric tables. -#}
{% macro utc_now() -%}
  {{ return(adapter.dispatch('utc_now', 'cx_pipeline')()) }}
{%- endmacro %}

{% macro default__utc_now() -%}
  cast(current_timestamp at time zone 'UTC' as timestamp)
{%- endmacro %}

{% macro spark__utc_now() -%}
  convert_timezone(current_timezone(), 'UTC', localtimestamp())
{%- endmacro %}
