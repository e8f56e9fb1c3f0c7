{#- Seeds on Spark: dbt-spark's session method writes a seed's text values into its insert without escaping
    them, so a description with an apostrophe breaks the statement. This writes each value as an escaped
    literal instead (dbt looks for its own macros in the root project first). -#}
{% macro spark__load_csv_rows(model, agate_table) %}
  {%- set column_override = model['config'].get('column_types', {}) -%}
  {%- set statements = [] -%}
  {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
    {%- set sql -%}
      insert into {{ this.render() }} values
      {%- for row in chunk %}
        ({%- for value in row -%}
          {%- set type = column_override.get(agate_table.column_names[loop.index0],
                                             adapter.convert_type(agate_table, loop.index0)) -%}
          cast({{ spark_literal(value) }} as {{ type }}){% if not loop.last %}, {% endif %}
        {%- endfor -%}){% if not loop.last %},{% endif %}
      {%- endfor %}
    {%- endset -%}
    {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
    {%- if loop.first -%}{%- do statements.append(sql) -%}{%- endif -%}
  {%- endfor -%}
  {{ return(statements[0]) }}
{% endmacro %}


{% macro spark_literal(value) -%}
  {%- if value is none -%} null
  {%- elif value is number -%} {{ value }}
  {%- else -%} '{{ (value | string).replace('\\', '\\\\').replace("'", "\\'") }}'
  {%- endif -%}
{%- endmacro %}
