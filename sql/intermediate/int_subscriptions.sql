-- One row per subscription whose currency has a rate on or before its start: the days it covers are
-- started_date up to the day before ended_date (SPEC §4 Customer base).
select s.*
from stg.crm__subscriptions as s
where exists (
  select 1
  from intermediate.fx_rates as fx
  where fx.currency = s.currency and fx.valid_from <= s.started_date
)
