{{ config(unique_key=['ticket_id'], raw_key=['id']) }}

-- One row per Zendesk ticket (Support API ticket): its latest version. Channel (via.channel) and status are
-- folded by the raw layer (voice → phone, hold → on_hold); a ticket Zendesk deleted keeps its status
-- `deleted` here and counts nowhere after.
with latest_version as (
  {{ latest_version(source('raw', 'zendesk__tickets'), version='updated_at') }}
)

select
  id as ticket_id,
  status,
  priority,
  via_channel as channel,
  assignee_id,
  group_id,
  requester_id,
  created_at,
  updated_at,
  _extract_date as extract_date,
  _loaded_at as loaded_at
from latest_version
