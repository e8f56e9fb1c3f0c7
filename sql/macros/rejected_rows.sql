{#- quarantine.rejected_rows (SPEC §3): created and written by the raw layer, which rejects rows as it
    reads them; dbt adds the rows that only the SQL can reject (the models of models/quarantine). -#}
{% macro rejected_rows() -%}
  {{ api.Relation.create(schema='quarantine', identifier='rejected_rows') }}
{%- endmacro %}


{#- The post-hooks of a quarantine model: its rows replace the ones it listed last time in
    quarantine.rejected_rows (stage `staging`, its rule), beside the rows the raw layer rejected. -#}
{% macro delete_staging_rejections(rule) -%}
  {{ return(adapter.dispatch('delete_staging_rejections', 'cx_pipeline')(rule)) }}
{%- endmacro %}

{% macro default__delete_staging_rejections(rule) -%}
  delete from {{ rejected_rows() }} where stage = 'staging' and rule = '{{ rule }}'
{%- endmacro %}

{#- Parquet tables have no delete, and Spark cannot overwrite a table with a query that reads it: the rows
    that stay are copied aside, written back, and the copy dropped. The hook itself is then empty. -#}
{% macro spark__delete_staging_rejections(rule) -%}
  {%- set kept = api.Relation.create(schema='quarantine', identifier='rejected_rows__kept') -%}
  {%- if execute -%}
    {%- do run_query('drop table if exists ' ~ kept) -%}
    {%- do run_query('create table ' ~ kept ~ ' using parquet as select * from ' ~ rejected_rows()
                     ~ " where not (stage = 'staging' and rule = '" ~ rule ~ "')") -%}
    {%- do run_query('insert overwrite table ' ~ rejected_rows() ~ ' select * from ' ~ kept) -%}
    {%- do run_query('drop table ' ~ kept) -%}
  {%- endif -%}
{%- endmacro %}

{% macro insert_staging_rejections() -%}
  insert into {{ rejected_rows() }} (entity, extract_date, source_file, row_number, raw_row, rule, column_name,
    detail, stage, quarantined_at)
  select entity, extract_date, source_file, row_number, raw_row, rule, column_name, detail, 'staging',
    quarantined_at
  from {{ this }}
{%- endmacro %}
