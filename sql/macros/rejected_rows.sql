{#- quarantine.rejected_rows (SPEC §3): created and written by the raw layer, which rejects rows as it
    reads them; dbt adds the rows that only the intermediate layer can reject (model missing_fx_rate). -#}
{% macro rejected_rows() -%}
  {{ api.Relation.create(schema='quarantine', identifier='rejected_rows') }}
{%- endmacro %}
