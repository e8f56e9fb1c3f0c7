{{ config(grain='daily', period_column='metric_date',
          partition_by=('metric_date' if target.type == 'spark' else none)) }}

-- One row per (metric_date, metric, dimension, dimension_value): every metric of SPEC §4 for each day of the
-- run's range, in the reporting time zone. A run replaces exactly its days.
{{ metric_table('daily', 'metric_date') }}
