{#- The calendar day of a timestamp in the reporting time zone (SPEC §1: dates of metrics are taken in the
    reporting time zone). Raw timestamps are stored with their zone, so the conversion is explicit and
    does not depend on a session setting. -#}
{% macro reporting_date(column) -%}
  {{ return(adapter.dispatch('reporting_date', 'cx_pipeline')(column)) }}
{%- endmacro %}

{% macro default__reporting_date(column) -%}
  cast(({{ column }}) at time zone '{{ setting('reporting_timezone') }}' as date)
{%- endmacro %}


{#- The current time in UTC without a zone: `computed_at` of the metric tables. -#}
{% macro utc_now() -%}
  {{ return(adapter.dispatch('utc_now', 'cx_pipeline')()) }}
{%- endmacro %}

{% macro default__utc_now() -%}
  cast(current_timestamp at time zone 'UTC' as timestamp)
{%- endmacro %}
