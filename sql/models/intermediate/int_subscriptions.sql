-- One row per subscription whose currency has a rate on or before its start: the days it covers are
-- started_date up to the day before ended_date (SPEC §4 Customer base).
select
  s.subscription_id,
  s.customer_id,
  s.started_date,
  s.ended_date,
  s.plan,
  s.monthly_amount,
  s.currency
from {{ ref('stg_crm__subscriptions') }} as s
where exists (
  select 1
  from {{ ref('int_fx_rates') }} as fx
  where fx.currency = s.currency and fx.valid_from <= s.started_date
)
