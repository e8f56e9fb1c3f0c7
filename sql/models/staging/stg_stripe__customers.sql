{{ config(unique_key=['stripe_customer_id'], raw_key=['id']) }}

-- One row per Stripe customer: the version of the latest extract (Stripe sends no update time, SPEC §6). Its
-- e-mail ties its subscriptions to the customer master.
with latest_version as (
  {{ latest_version(source('raw', 'stripe__customers')) }}
)

select
  id as stripe_customer_id,
  nullif(lower(trim(email)), '') as email,
  created as created_at,
  coalesce(deleted, false) as is_deleted,
  _extract_date as extract_date,
  _loaded_at as loaded_at
from latest_version
