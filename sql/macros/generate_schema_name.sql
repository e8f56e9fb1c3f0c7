{#- Models live in the schemas SPEC §2 names (stg, intermediate, marts, quarantine) whatever the target's
    default schema: a custom schema is used as given, not prefixed with the target's. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
  {{ custom_schema_name if custom_schema_name else target.schema }}
{%- endmacro %}
