{{ config(materialized="table") }}
-- One row per (currency, validity interval): the rate to the base currency that holds from valid_from
-- until the day before valid_until (the latest rate on or before a day applies, SPEC §1 Money).
-- The base currency converts at 1 unless a rate is given for it.
with rates as (
  select currency, rate_date as valid_from, rate_to_base
  from {{ ref('stg_reference__fx_rates') }}
  union all
  select '{{ setting('base_currency') }}', cast('0001-01-01' as date), 1.0
  where not exists (select 1 from {{ ref('stg_reference__fx_rates') }} where currency = '{{ setting('base_currency') }}')
)

select
  currency,
  valid_from,
  lead(valid_from) over (partition by currency order by valid_from) as valid_until,
  rate_to_base
from rates
