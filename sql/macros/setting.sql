{#- A setting of cx_pipeline (SPEC §5), read from its CX_* environment variable like the Python side reads it;
    Dagster passes the values of its Settings resource. The defaults are those of cx_pipeline/settings.py,
    for a `dbt build` run by hand. -#}
{% macro setting(name) -%}
  {%- set defaults = {
    'base_currency': 'USD',
    'reporting_timezone': 'UTC',
    'inactivity_days': '90',
    'ces_low_is_easy': 'true',
  } -%}
  {{ return(env_var('CX_' ~ name | upper, defaults[name])) }}
{%- endmacro %}
