{#- The periods a metrics run computes, as (period_start, period_end, window_start) dates, from
    CX_PERIOD_START and CX_PERIOD_END (Dagster passes its partition range; run by hand without them, dbt
    computes yesterday, or the current month).

    daily: one period per day; churn, retention, arpu and ltv take the 30 days ending on it (SPEC §4).
    monthly: one period per calendar month the range touches; its window is the month. -#}
{% macro run_periods(grain) -%}
  {%- set day = modules.datetime.timedelta(days=1) -%}
  {%- set today = modules.datetime.date.today() -%}
  {%- set start = _as_date(env_var('CX_PERIOD_START', ''), today - day if grain == 'daily' else today) -%}
  {%- set end = _as_date(env_var('CX_PERIOD_END', ''), start) -%}
  {%- set periods = [] -%}
  {%- if grain == 'daily' -%}
    {%- for n in range((end - start).days + 1) -%}
      {%- set period_day = start + day * n -%}
      {%- do periods.append((period_day, period_day, period_day - day * 29)) -%}
    {%- endfor -%}
  {%- else -%}
    {%- for n in range((end.year - start.year) * 12 + end.month - start.month + 1) -%}
      {%- set first = _add_months(start.replace(day=1), n) -%}
      {%- do periods.append((first, _add_months(first, 1) - day, first)) -%}
    {%- endfor -%}
  {%- endif -%}
  {{ return(periods) }}
{%- endmacro %}


{#- The periods as rows (period_start, period_end, window_start). -#}
{% macro periods_relation(periods) -%}
  select * from (values
    {%- for p in periods %}
    ({{ date_literal(p[0]) }}, {{ date_literal(p[1]) }}, {{ date_literal(p[2]) }}){% if not loop.last %},{% endif %}
    {%- endfor %}
  ) as periods (period_start, period_end, window_start)
{%- endmacro %}


{#- Every day the periods' windows reach, with the number of days in its month (subscription fees accrue
    per day: monthly_amount / days in the month). -#}
{% macro days_relation(periods) -%}
  {%- set first = periods | map(attribute=2) | min -%}
  {%- set last = periods | map(attribute=1) | max -%}
  select * from (values
    {%- for n in range((last - first).days + 1) %}
    {%- set day = first + modules.datetime.timedelta(days=n) %}
    ({{ date_literal(day) }}, {{ (_add_months(day.replace(day=1), 1) - day.replace(day=1)).days }}){% if not loop.last %},{% endif %}
    {%- endfor %}
  ) as run_days (day, days_in_month)
{%- endmacro %}


{% macro date_literal(day) -%}
  cast('{{ day.isoformat() }}' as date)
{%- endmacro %}


{% macro _as_date(value, default) -%}
  {{ return(modules.datetime.date.fromisoformat(value | string) if value else default) }}
{%- endmacro %}


{% macro _add_months(first_of_month, months) -%}
  {%- set index = first_of_month.year * 12 + first_of_month.month - 1 + months -%}
  {{ return(modules.datetime.date(index // 12, index % 12 + 1, 1)) }}
{%- endmacro %}


{#- Incremental strategy of the metric tables: replace exactly the run's periods, in the model's
    transaction (SPEC §2). -#}
{% macro get_incremental_replace_periods_sql(arg_dict) -%}
  {%- set periods = run_periods(config.get('grain')) -%}
  {%- set target = arg_dict['target_relation'] -%}
  {%- set columns = arg_dict['dest_columns'] | map(attribute='quoted') | join(', ') -%}
  delete from {{ target }}
  where {{ config.get('period_column') }} between {{ date_literal(periods[0][0]) }} and {{ date_literal(periods[-1][0]) }};

  insert into {{ target }} ({{ columns }})
  select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}
