{#- A setting of cx_pipeline (SPEC §5), read from its CX_* environment variable like the Python side reads it;
    Dagster passes the values of its Settings resource. The defaults are those of cx_pipeline/settings.py,
    for a `dbt build` run by hand. -#}
{% macro setting(name) -%}
  {%- set defaults = {
    'base_currency': 'USD',
    'reporting_timezone': 'UTC',
    'inactivity_days': '90',
    'ces_low_is_easy': 'true',
    'hubspot_segment_property': 'lifecyclestage',
    'qualtrics_questions': 'QID1=nps:0-10;QID2=csat:1-5;QID3=ces:1-7:high_is_easy',
  } -%}
  {{ return(env_var('CX_' ~ name | upper, defaults[name])) }}
{%- endmacro %}
