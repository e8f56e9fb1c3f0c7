-- One row per ticket: its latest version (a ticket is resolved in a later extract).
-- latest_version: the entity's raw rows, one per key, the latest version winning (SPEC §1).
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
  cast(created_at as date) as created_date,
  cast(first_response_at as date) as first_response_date,
  cast(resolved_at as date) as resolved_date,
  updated_at,
  _extract_date as extract_date
from latest_version
