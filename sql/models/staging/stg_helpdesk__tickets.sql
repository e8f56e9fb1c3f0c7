{{ config(unique_key=['ticket_id']) }}

-- One row per ticket: its latest version (a ticket is resolved in a later extract).
with latest_version as (
  {{ latest_version(source('raw', 'helpdesk__tickets'), version='updated_at') }}
)

select
  ticket_id,
  customer_id,
  nullif(lower(trim(requester_email)), '') as email,
  channel,
  agent_id,
  team,
  priority,
  status,
  created_at,
  first_response_at,
  resolved_at,
  {{ reporting_date('created_at') }} as created_date,
  {{ reporting_date('first_response_at') }} as first_response_date,
  {{ reporting_date('resolved_at') }} as resolved_date,
  updated_at,
  _extract_date as extract_date,
  _loaded_at as loaded_at
from latest_version
