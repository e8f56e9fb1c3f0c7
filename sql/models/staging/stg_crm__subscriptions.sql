{{ config(unique_key=['subscription_id']) }}

-- One row per subscription: its latest version, dates in the reporting time zone.
with latest_version as (
  {{ latest_version(source('raw', 'crm__subscriptions'), version='updated_at') }}
)

select
  subscription_id,
  customer_id,
  started_at,
  ended_at,
  {{ reporting_date('started_at') }} as started_date,
  {{ reporting_date('ended_at') }} as ended_date,
  plan,
  monthly_amount,
  coalesce(currency, '{{ setting('base_currency') }}') as currency,
  updated_at,
  _extract_date as extract_date,
  _source_file as source_file,
  _row_number as row_number,
  _loaded_at as loaded_at
from latest_version
