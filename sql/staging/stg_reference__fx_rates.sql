-- One row per (date, currency): the rate to the base currency from the last extract that carried it.
-- latest_version: the entity's raw rows, one per key, the latest version winning (SPEC §1).
select
  cast(date as date) as rate_date,
  currency,
  rate_to_base,
  _extract_date as extract_date
from latest_version
