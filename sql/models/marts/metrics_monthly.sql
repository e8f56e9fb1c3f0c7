{{ config(grain='monthly', period_column='month',
          partition_by=('month' if target.type == 'spark' else none)) }}

-- One row per (month, metric, dimension, dimension_value): every metric of SPEC §4 for each calendar month of
-- the run's range (month is its first day). A run replaces exactly its months.
{{ metric_table('monthly', 'month') }}
