{#- The rows a generic test judges: the rows its run wrote, not the years before them, which the runs that
    wrote them judged. Overrides dbt's own get_where_subquery, as dbt's documentation of `where` shows; dbt
    renders a test's config when it parses the project, this macro when the test runs, so one parsed project
    serves every run of a process (dbt_invocation.py).

    * A test's `where` config applies, in which `__run_start__` and `__run_end__` stand for the run's first
      and last period (every period without CX_PERIOD_START and CX_PERIOD_END): the metric tables' tests.
    * In a run that follows the loads' changes (CX_INTERMEDIATE_SINCE set, macros/changes.sql), a test of
      an incremental staging table judges the rows loaded since, and one of an intermediate table the rows
      of the run's change set. A merge deletes every key it writes before it inserts, so a key it writes
      cannot collide with a row it left alone, and a row it writes again unchanged was judged when it was
      first written. A run that rebuilds the tables whole judges every row. -#}
{% macro get_where_subquery(relation) -%}
  {%- set conditions = [] -%}
  {%- set where = config.get('where') -%}
  {%- if where -%}
    {%- do conditions.append(where
          | replace('__run_start__', date_literal(_as_date(env_var('CX_PERIOD_START', ''), modules.datetime.date.min)))
          | replace('__run_end__', date_literal(_as_date(env_var('CX_PERIOD_END', ''), modules.datetime.date.max)))) -%}
  {%- endif -%}
  {%- set written = _rows_written(model.get('attached_node')) -%}
  {%- if written -%}
    {%- do conditions.append(written) -%}
  {%- endif -%}
  {%- if conditions -%}
    {%- do return('(select * from ' ~ relation ~ ' where (' ~ conditions | join(') and (') ~ ')) dbt_subquery') -%}
  {%- endif -%}
  {%- do return(relation) -%}
{%- endmacro %}


{#- The condition on the rows of the model `unique_id` that this run wrote, when it merges them into the
    table (see above); none when it rebuilds the table, or writes it whole. -#}
{% macro _rows_written(unique_id) -%}
  {%- if not execute or not unique_id or changes_since() is none or flags.FULL_REFRESH -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set tested = graph.nodes.get(unique_id) -%}
  {%- if not tested or tested.config.materialized != 'incremental' -%}
    {{ return(none) }}
  {%- endif -%}
  {%- if tested.fqn[1] == 'staging' -%}
    {{ return(loaded_since()) }}
  {%- elif tested.config.get('changed') -%}
    {%- set change_table = 'model.' ~ project_name ~ '.int_changed_' -%}
    {{ return(in_change_set(tested.config.changed, graph.nodes[change_table ~ 'records'].relation_name,
                            graph.nodes[change_table ~ 'customers'].relation_name)) }}
  {%- endif -%}
  {{ return(none) }}
{%- endmacro %}
