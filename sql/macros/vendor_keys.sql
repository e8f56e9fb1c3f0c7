{#- A vendor record's key in the pipeline's common shapes: its source system and its own key, e.g.
    `zendesk:35436` (SPEC §6: keys are kept apart per source system, so that vendor records and SPEC §1
    extracts never collide; §1 keys are used as they are). NULL stays NULL. -#}
{% macro vendor_key(system, column) -%}
  '{{ system }}:' || {{ column }}
{%- endmacro %}
