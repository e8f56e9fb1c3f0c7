{#- quarantine.rejected_rows (SPEC §3): created and written by the raw layer, which rejects rows as it
    reads them; dbt adds the rows that only the SQL can reject (the models of models/quarantine). -#}
{% macro rejected_rows() -%}
  {{ api.Relation.create(schema='quarantine', identifier='rejected_rows') }}
{%- endmacro %}


{#- The post-hooks of a quarantine model: its rows replace the ones it listed last time in
    quarantine.rejected_rows (stage `staging`, its rule), beside the rows the raw layer rejected. -#}
{% macro delete_staging_rejections(rule) -%}
  delete from {{ rejected_rows() }} where stage = 'staging' and rule = '{{ rule }}'
{%- endmacro %}

{% macro insert_staging_rejections() -%}
  insert into {{ rejected_rows() }} (entity, extract_date, source_file, row_number, raw_row, rule, column_name,
    detail, stage, quarantined_at)
  select entity, extract_date, source_file, row_number, raw_row, rule, column_name, detail, 'staging',
    quarantined_at
  from {{ this }}
{%- endmacro %}
