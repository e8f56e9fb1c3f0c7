-- One row per CSAT or CES survey response: the last extract that carried it.
-- latest_version: the entity's raw rows, one per key, the latest version winning (SPEC §1).
select
  response_id,
  survey_type,
  responded_at,
  cast(responded_at as date) as responded_date,
  score,
  coalesce(scale_min, 1) as scale_min,
  scale_max,
  ticket_id,
  customer_id,
  nullif(lower(trim(requester_email)), '') as email,
  channel,
  _extract_date as extract_date
from latest_version
