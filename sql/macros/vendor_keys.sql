{#- A vendor record's key in the pipeline's common shapes: its source system and its own key, e.g.
    `zendesk:35436`. SPEC §6 keeps keys apart per source system, so that vendor records and SPEC §1
    extracts never collide; SPEC §1 keys stay as they are, and the unioned models test that every key is
    unique. NULL stays NULL. -#}
{% macro vendor_key(system, column) -%}
  '{{ system }}:' || {{ column }}
{%- endmacro %}
