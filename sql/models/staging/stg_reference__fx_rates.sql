{{ config(unique_key=['rate_date', 'currency'], raw_key=['date', 'currency']) }}

-- One row per (date, currency): the rate to the base currency from the last extract that carried it.
with latest_version as (
  {{ latest_version(source('raw', 'reference__fx_rates')) }}
)

select
  cast(date as date) as rate_date,
  currency,
  rate_to_base,
  _extract_date as extract_date,
  _loaded_at as loaded_at
from latest_version
