-- One row per NPS response: the last extract that carried it.
-- latest_version: the entity's raw rows, one per key, the latest version winning (SPEC §1).
select
  response_id,
  customer_id,
  responded_at,
  cast(responded_at as date) as responded_date,
  score,
  channel,
  _extract_date as extract_date
from latest_version
