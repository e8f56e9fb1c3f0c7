{#- A census of intervals over the run's days, per cell of `keys`: for each day of the axis (run_days and the
    day before the first) how many intervals have `started` by it (starts_on <= day) and how many have `ended`
    by it (ends_before <= day); with `weight` (a column of the intervals), also `active_weight`, the weight's
    sum over the intervals active on it.

    `intervals` names a relation with the `keys` columns, starts_on and ends_before (the first day no longer
    covered, NULL while open); every interval covers at least one day. Counts over periods follow by difference:
    active on x = started(x) − ended(x); meeting the days a to b = started(b) − ended(a). The census is built from
    one step up and one step down per interval and running sums along the axis, so its cost follows intervals +
    cells × days, where expanding every interval into its days would cost intervals × days. Intervals over before
    the axis begins are left out: they would count the same in `started` and in `ended`. -#}
{% macro census(intervals, keys, weight=none) -%}
  with census_axis as (
    select day from run_days
    union all
    select min(day) - 1 from run_days
  ),

  census_bounds as (
    select min(day) as first_day, max(day) as last_day from census_axis
  ),

  census_intervals as (
    select i.*
    from {{ intervals }} as i
    cross join census_bounds as b
    where i.starts_on <= b.last_day and (i.ends_before is null or i.ends_before > b.first_day)
  ),

  census_steps as (
    select
      {% for k in keys %}i.{{ k }}, {% endfor %}greatest(i.starts_on, b.first_day) as day, 1 as started, 0 as ended
      {%- if weight %}, i.{{ weight }} as weight_change{% endif %}
    from census_intervals as i
    cross join census_bounds as b
    union all
    select {% for k in keys %}i.{{ k }}, {% endfor %}i.ends_before, 0, 1{% if weight %}, -i.{{ weight }}{% endif %}
    from census_intervals as i
    cross join census_bounds as b
    where i.ends_before <= b.last_day
  ),

  census_day_steps as (
    select
      {{ keys | join(', ') }}, day, sum(started) as started, sum(ended) as ended
      {%- if weight %}, sum(weight_change) as weight_change{% endif %}
    from census_steps
    group by {{ keys | join(', ') }}, day
  ),

  census_cells as (
    select distinct {{ keys | join(', ') }} from census_intervals
  )

  {%- set running = 'over (partition by c.' ~ keys | join(', c.')
        ~ ' order by a.day rows between unbounded preceding and current row)' %}

  select
    {% for k in keys %}c.{{ k }}, {% endfor %}a.day,
    sum(coalesce(s.started, 0)) {{ running }} as started,
    sum(coalesce(s.ended, 0)) {{ running }} as ended
    {%- if weight %},
    sum(coalesce(s.weight_change, 0)) {{ running }} as active_weight
    {%- endif %}
  from census_cells as c
  cross join census_axis as a
  left join census_day_steps as s
    on {% for k in keys %}s.{{ k }} = c.{{ k }} and {% endfor %}s.day = a.day
{%- endmacro %}
