{#- The text of `key` in a JSON object held as text (a vendor object's nested `properties` or `values`, kept
    whole by the raw layer); NULL when the object lacks the key. Keys are settings checked by the Python
    side to be plain names (`lifecyclestage`, `QID1`), so they are written into the SQL as they are. -#}
{% macro json_text(column, key) -%}
  {{ return(adapter.dispatch('json_text', 'cx_pipeline')(column, key)) }}
{%- endmacro %}

{% macro default__json_text(column, key) -%}
  (cast({{ column }} as jsonb) ->> '{{ key }}')
{%- endmacro %}

{% macro duckdb__json_text(column, key) -%}
  json_extract_string({{ column }}, '$."{{ key }}"')
{%- endmacro %}

{% macro spark__json_text(column, key) -%}
  get_json_object({{ column }}, '$.{{ key }}')
{%- endmacro %}


{#- A text as a number, or NULL when it is none (a Qualtrics answer may be blank or a choice's label). -#}
{% macro number_or_null(text) -%}
  {{ return(adapter.dispatch('number_or_null', 'cx_pipeline')(text)) }}
{%- endmacro %}

{% macro default__number_or_null(text) -%}
  case when trim({{ text }}) ~ '^[-+]?[0-9]+(\.[0-9]+)?$' then cast(trim({{ text }}) as {{ type_double() }}) end
{%- endmacro %}

{% macro duckdb__number_or_null(text) -%}
  try_cast(trim({{ text }}) as double)
{%- endmacro %}

{% macro spark__number_or_null(text) -%}
  try_cast(trim({{ text }}) as double)
{%- endmacro %}


{#- An enumeration folded as the raw layer folds those of SPEC §1 (trimmed, lower-cased, words joined by `_`),
    for a value the SQL itself takes out of a vendor's JSON (HubSpot's segment property). -#}
{% macro folded(text) -%}
  nullif(trim(both '_' from {{ underscores_for_non_alphanumerics('lower(trim(' ~ text ~ '))') }}), '')
{%- endmacro %}

{% macro underscores_for_non_alphanumerics(text) -%}
  {{ return(adapter.dispatch('underscores_for_non_alphanumerics', 'cx_pipeline')(text)) }}
{%- endmacro %}

{% macro default__underscores_for_non_alphanumerics(text) -%}
  regexp_replace({{ text }}, '[^a-z0-9]+', '_', 'g')
{%- endmacro %}

{#- Spark's regexp_replace replaces every match; its fourth argument is a position, not flags. -#}
{% macro spark__underscores_for_non_alphanumerics(text) -%}
  regexp_replace({{ text }}, '[^a-z0-9]+', '_')
{%- endmacro %}
