-- Tables that do not come from the entity catalogue. Idempotent: run before every write.

create table if not exists raw.extract_files (
  entity text not null,
  extract_date date not null,
  source_file text not null,
  rows_read bigint not null,
  rows_loaded bigint not null,
  rows_quarantined bigint not null,
  loaded_at timestamp not null
);

-- Extract dates whose raw rows were replaced since staging last took them in; staging consumes them.
create table if not exists raw.extract_dates_to_stage (
  entity text not null,
  extract_date date not null
);

-- What each staging table was last built with whole (a hash of its SQL and settings): merging new keys
-- into it is only right while that is unchanged.
create table if not exists stg.build_state (
  entity text not null,
  fingerprint text not null
);

create table if not exists quarantine.rejected_rows (
  entity text not null,
  extract_date date,
  source_file text,
  row_number bigint,
  raw_row text,
  rule text not null,
  column_name text,
  detail text,
  stage text not null,
  quarantined_at timestamp not null
);

create table if not exists marts.metrics_daily (
  metric_date date not null,
  metric text not null,
  dimension text not null,
  dimension_value text not null,
  value double precision,
  numerator double precision,
  denominator double precision,
  sample_size bigint,
  ci_low double precision,
  ci_high double precision,
  computed_at timestamp not null
);

create table if not exists marts.metrics_monthly (
  month date not null,
  metric text not null,
  dimension text not null,
  dimension_value text not null,
  value double precision,
  numerator double precision,
  denominator double precision,
  sample_size bigint,
  ci_low double precision,
  ci_high double precision,
  computed_at timestamp not null
);

-- Metric dates that records replaced by a reload of their extract date could change (kind as in
-- affected_dates.sql, which reads them): a re-sent file may drop a record, and after the reload no other
-- table holds it.
create table if not exists raw.replaced_record_dates (
  entity text not null,
  extract_date date not null,
  kind text not null,
  day date not null
);
