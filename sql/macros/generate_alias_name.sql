{#- Tables keep the names of SPEC §2 inside their layer's schema: model stg_crm__customers is table
    stg.crm__customers, int_customer_keys is intermediate.customer_keys, metrics_daily stays
    marts.metrics_daily. The layer prefix names the model in dbt and in Dagster; the schema names it in
    the warehouse. -#}
{% macro generate_alias_name(custom_alias_name=none, node=none) -%}
  {%- if custom_alias_name -%}
    {{ custom_alias_name | trim }}
  {%- elif node.name.startswith('stg_') or node.name.startswith('int_') -%}
    {{ node.name.split('_', 1)[1] }}
  {%- else -%}
    {{ node.name }}
  {%- endif -%}
{%- endmacro %}
