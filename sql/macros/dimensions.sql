{#- Every metric is broken down by its dimensions with grouping sets: one grouping set for the whole
    ('all') and one per dimension. These two macros write that shape once for every mart. -#}

{#- `dimension` and `dimension_value` of a row of a grouping-sets query over `dimensions` (each column is
    named after its dimension and never NULL inside its own grouping set). -#}
{% macro dimension_columns(dimensions) -%}
  case
    {%- for d in dimensions %}
    when grouping({{ d }}) = 0 then '{{ d }}'
    {%- endfor %}
    else 'all'
  end as dimension,
  coalesce({% for d in dimensions %}{{ d }}, {% endfor %}'all') as dimension_value
{%- endmacro %}


{#- grouping sets ((keys), (keys, d1), (keys, d2), …) -#}
{% macro dimension_grouping_sets(keys, dimensions) -%}
  {%- set base = keys | join(', ') -%}
  grouping sets (({{ base }}){% for d in dimensions %}, ({{ base }}, {{ d }}){% endfor %})
{%- endmacro %}
