{#- The latest version of each key of a raw table (SPEC §1): the latest `version` wins, ties go to the
    later extract date, then to the later file and row.

    Staging tables are incremental. A nightly run re-derives only the touched keys: those in the extract
    dates loaded since the table's newest `loaded_at`, and those whose staged version came from such a
    date (a key dropped from a re-sent file falls back to its earlier version, or leaves). The strategy
    `replace_keys` deletes every touched key and inserts what this select returns for them. -#}
{% macro latest_version(relation, version=none) -%}
  {%- set raw_key = config.get('raw_key') or config.get('unique_key') -%}
  select * from (
    select
      *,
      row_number() over (
        partition by {{ raw_key | join(', ') }}
        order by {% if version %}{{ version }} desc nulls last, {% endif -%}
          _extract_date desc, _source_file desc, _row_number desc
      ) as version_rank
    from {{ relation }} as r
    {%- if is_incremental() %}
    where exists (
      select 1 from ({{ touched_keys(relation) }}) as touched
      where {% for k in raw_key %}touched.{{ k }} = r.{{ k }}{% if not loop.last %} and {% endif %}{% endfor %}
    )
    {%- endif %}
  ) as ranked
  where version_rank = 1
{%- endmacro %}


{#- Keys (named as in raw) that the extract dates loaded since the staging table was last brought up to
    date can change. raw.extract_date_loads is the raw layer's log of which extract dates it replaced
    and when, one row per entity and date, kept whether or not the date had any file. -#}
{% macro touched_keys(relation) -%}
  {%- set raw_key = config.get('raw_key') or config.get('unique_key') -%}
  {%- set staged_key = config.get('unique_key') -%}
  {%- set pending -%}
    select extract_date from {{ api.Relation.create(schema='raw', identifier='extract_date_loads') }}
    where entity = '{{ relation.identifier }}'
      and loaded_at > (select coalesce(max(loaded_at), cast('0001-01-01' as timestamp)) from {{ this }})
  {%- endset -%}
  select {{ raw_key | join(', ') }} from {{ relation }} where _extract_date in ({{ pending }})
  union
  select {{ staged_key | join(', ') }} from {{ this }} where extract_date in ({{ pending }})
{%- endmacro %}


{#- Incremental strategy of the staging tables: replace the touched keys' rows, in the model's
    transaction. The touched keys are worked out before the delete, against the table as it was. -#}
{% macro get_incremental_replace_keys_sql(arg_dict) -%}
  {%- set target = arg_dict['target_relation'] -%}
  {%- set staged_key = config.get('unique_key') -%}
  {%- set source_relation = source('raw', target.identifier) -%}
  {%- set columns = arg_dict['dest_columns'] | map(attribute='quoted') | join(', ') -%}
  delete from {{ target }} as t
  using ({{ touched_keys(source_relation) }}) as touched
  where {% for raw, staged in zip(config.get('raw_key') or staged_key, staged_key) -%}
    t.{{ staged }} = touched.{{ raw }}{% if not loop.last %} and {% endif %}
  {%- endfor %};

  insert into {{ target }} ({{ columns }})
  select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}


{#- The version time of a vendor object's row: its update time, else its extract date (SPEC §6: an object, or
    a vendor export, with no update time takes its file's extract date as its version time). -#}
{% macro version_time(column) -%}
  coalesce({{ column }}, cast(_extract_date as {{ dbt.type_timestamp() }}))
{%- endmacro %}
