{{ config(changed=[{'column': 'subscription_id', 'records': ['crm__subscriptions', 'stripe__subscriptions']}]) }}
-- depends_on: {{ ref('int_changed_records') }}
-- One row per subscription of every source system whose currency has a rate on or before its start: the
-- days it covers are started_date up to the day before ended_date (SPEC §4 Customer base). customer_id is the
-- customer key: a SPEC §1 subscription's own, a Stripe subscription's from its customer's e-mail (SPEC §6).
select
  s.subscription_id,
  coalesce(s.customer_id, k.customer_key) as customer_id,
  s.started_date,
  s.ended_date,
  s.plan,
  s.monthly_amount,
  s.currency
from {{ ref('int_subscriptions_unioned') }} as s
left join {{ ref('int_customer_keys') }} as k
  on s.customer_id is null and k.entity = s.entity and k.record_id = s.subscription_id
where {% if is_incremental() %}{{ in_changed_records('s.subscription_id', ['crm__subscriptions', 'stripe__subscriptions']) }} and {% endif %}exists (
  select 1
  from {{ ref('int_fx_rates') }} as fx
  where fx.currency = s.currency and fx.valid_from <= s.started_date
)
