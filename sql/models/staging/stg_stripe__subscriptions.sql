{{ config(unique_key=['subscription_id'], raw_key=['id']) }}

-- One row per Stripe subscription: the version of the latest extract (Stripe sends no update time, SPEC §6).
-- It runs from start_date to ended_at, else to canceled_at once its status is canceled (a subscription
-- canceled at the period's end keeps running until then). monthly_amount is worked out by the raw layer
-- from its items (Σ unit_amount × quantity per month).
with latest_version as (
  {{ latest_version(source('raw', 'stripe__subscriptions')) }}
),

ended as (
  select
    *,
    coalesce(ended_at, case when status = 'cancelled' then canceled_at end) as ends_at
  from latest_version
)

select
  id as subscription_id,
  customer as stripe_customer_id,
  status,
  start_date as started_at,
  ends_at as ended_at,
  {{ reporting_date('start_date') }} as started_date,
  {{ reporting_date('ends_at') }} as ended_date,
  monthly_amount,
  coalesce(currency, '{{ setting('base_currency') }}') as currency,
  _extract_date as extract_date,
  _source_file as source_file,
  _row_number as row_number,
  _loaded_at as loaded_at
from ended
