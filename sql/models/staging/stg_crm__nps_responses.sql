{{ config(unique_key=['response_id']) }}

-- One row per NPS response: the last extract that carried it.
with latest_version as (
  {{ latest_version(source('raw', 'crm__nps_responses')) }}
)

select
  response_id,
  customer_id,
  responded_at,
  {{ reporting_date('responded_at') }} as responded_date,
  score,
  channel,
  _extract_date as extract_date,
  _loaded_at as loaded_at
from latest_version
