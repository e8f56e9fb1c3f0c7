{{ config(unique_key=['response_id']) }}

-- One row per CSAT or CES survey response: the last extract that carried it.
with latest_version as (
  {{ latest_version(source('raw', 'helpdesk__surveys')) }}
)

select
  response_id,
  survey_type,
  responded_at,
  {{ reporting_date('responded_at') }} as responded_date,
  score,
  coalesce(scale_min, 1) as scale_min,
  scale_max,
  ticket_id,
  customer_id,
  nullif(lower(trim(requester_email)), '') as email,
  channel,
  _extract_date as extract_date,
  _loaded_at as loaded_at
from latest_version
