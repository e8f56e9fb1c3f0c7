{#- Type names the SQL casts to, where the engines name them differently: Spark SQL has neither `double
    precision` nor `text`. -#}
{% macro type_double() -%}
  {{ return(adapter.dispatch('type_double', 'cx_pipeline')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
  double precision
{%- endmacro %}

{% macro spark__type_double() -%}
  double
{%- endmacro %}


{% macro type_text() -%}
  {{ return(adapter.dispatch('type_text', 'cx_pipeline')()) }}
{%- endmacro %}

{% macro default__type_text() -%}
  text
{%- endmacro %}

{% macro spark__type_text() -%}
  string
{%- endmacro %}


{#- Seconds since the epoch of a timestamp, with its fraction. -#}
{% macro epoch_seconds(column) -%}
  {{ return(adapter.dispatch('epoch_seconds', 'cx_pipeline')(column)) }}
{%- endmacro %}

{% macro default__epoch_seconds(column) -%}
  extract(epoch from {{ column }})
{%- endmacro %}

{% macro spark__epoch_seconds(column) -%}
  (cast(unix_micros({{ column }}) as double) / 1000000)
{%- endmacro %}
