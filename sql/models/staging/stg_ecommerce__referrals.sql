{{ config(unique_key=['referral_id']) }}

-- One row per referral invitation: the last extract that carried it.
with latest_version as (
  {{ latest_version(source('raw', 'ecommerce__referrals')) }}
)

select
  referral_id,
  referrer_customer_id,
  sent_at,
  {{ reporting_date('sent_at') }} as sent_date,
  nullif(lower(trim(invitee_email)), '') as invitee_email,
  signed_up_customer_id,
  _extract_date as extract_date,
  _loaded_at as loaded_at
from latest_version
