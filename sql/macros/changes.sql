{#- Intermediate models are incremental: a run re-derives only the records and customers that the loads since
    their last run touched (int_changed_records, int_changed_customers) and replaces those rows.

    CX_INTERMEDIATE_SINCE is the instant those loads follow. The Dagster asset `transform` sets it to the
    latest load its last complete run of the intermediate models had seen, and leaves it unset when that run
    is unknown, failed part-way, ran other SQL or settings, or when a load since dropped a key its date held
    (raw.extract_date_loads.keys_dropped): only additions and new versions are followed, and the models are
    then rebuilt whole. Run by hand (`dbt build`), they are rebuilt whole. Read only while models run, so
    that the parsed project does not change with it. -#}
{% macro changes_since() -%}
  {%- if not execute -%}
    {{ return(none) }}
  {%- endif -%}
  {{ return(env_var('CX_INTERMEDIATE_SINCE', '') or none) }}
{%- endmacro %}


{#- A staging row whose version was loaded after the instant the run's changes follow. -#}
{% macro loaded_since(alias=none) -%}
  {{ alias ~ '.' if alias }}loaded_at > cast('{{ changes_since() }}' as timestamp with time zone)
{%- endmacro %}


{#- dbt's own answer, and yes for an intermediate model in a run without a change set: it is rebuilt
    whole. -#}
{% macro should_full_refresh() -%}
  {{ return(dbt.should_full_refresh() or (model.fqn[1] == 'intermediate' and changes_since() is none)) }}
{%- endmacro %}


{#- An intermediate table as the run found it, before its model rebuilds it: the change models read what
    the records were tied to before this run (no ref, which would make a cycle: the table's model depends on
    them). -#}
{% macro previous(model_name) -%}
  {{ api.Relation.create(database=this.database, schema=this.schema, identifier=model_name.split('_', 1)[1]) }}
{%- endmacro %}


{#- `where <condition>` (`and <condition>` after another) in an incremental run, nothing in a whole
    rebuild. -#}
{% macro where_changed(condition) -%}
  {%- if is_incremental() %}where {{ condition }}{% endif -%}
{%- endmacro %}


{% macro and_changed(condition) -%}
  {%- if is_incremental() %}and {{ condition }}{% endif -%}
{%- endmacro %}


{#- The model's records that the run changes: `column` among int_changed_records' record ids (of
    `entities` only, when given; record ids never collide across entities). -#}
{% macro in_changed_records(column, entities=none, changed_records=none) -%}
  {{ column }} in (
    select record_id from {{ changed_records or ref('int_changed_records') }}
    {%- if entities %}
    where entity in ({% for e in entities %}'{{ e }}'{% if not loop.last %}, {% endif %}{% endfor %})
    {%- endif %})
{%- endmacro %}


{#- The model's rows of the customers that the run changes. -#}
{% macro in_changed_customers(column, changed_customers=none) -%}
  {{ column }} in (select customer_key from {{ changed_customers or ref('int_changed_customers') }})
{%- endmacro %}


{#- The rows of the change set an intermediate model's config `changed` describes (see below):
    `changed_records` and `changed_customers` name the change tables where a ref cannot (a test's filter). -#}
{% macro in_change_set(changed, changed_records=none, changed_customers=none) -%}
  {%- for change in changed -%}
    {%- if not loop.first %} or {% endif -%}
    {%- if change.get('customers') -%}
      {{ in_changed_customers(change['column'], changed_customers) }}
    {%- else -%}
      {{ in_changed_records(change['column'], change.get('records'), changed_records) }}
    {%- endif -%}
  {%- endfor -%}
{%- endmacro %}


{#- Incremental strategy of the intermediate models: delete the rows of the run's change set, then insert
    what the model derived for it. Config `changed` lists the sets, each {'column': ..., 'records':
    [entities]} (a record of int_changed_records; 'records': none for any entity) or {'column': ...,
    'customers': true} (a customer of int_changed_customers). A record that no longer yields a row (a
    deleted Zendesk ticket) is deleted with the rest. -#}
{% macro get_incremental_replace_changed_sql(arg_dict) -%}
  {%- set target = arg_dict['target_relation'] -%}
  {%- set columns = arg_dict['dest_columns'] | map(attribute='quoted') | join(', ') -%}
  delete from {{ target }}
  where {{ in_change_set(config.get('changed')) }};

  insert into {{ target }} ({{ columns }})
  select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}
