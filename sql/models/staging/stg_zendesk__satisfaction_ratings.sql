{{ config(unique_key=['rating_id'], raw_key=['id']) }}

-- One row per Zendesk satisfaction rating: the latest version (a rating offered first may be answered
-- later). Only `good` and `bad` are answers; `offered` and `unoffered` are kept and counted nowhere.
with latest_version as (
  {{ latest_version(source('raw', 'zendesk__satisfaction_ratings'), version='updated_at') }}
)

select
  id as rating_id,
  ticket_id,
  requester_id,
  score,
  score in ('good', 'bad') as is_response,
  updated_at as responded_at,
  _extract_date as extract_date,
  _loaded_at as loaded_at
from latest_version
