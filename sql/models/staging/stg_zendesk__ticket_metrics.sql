{{ config(unique_key=['ticket_id']) }}

-- One row per Zendesk ticket's metrics (Ticket Metrics API): the latest version.
with latest_version as (
  {{ latest_version(source('raw', 'zendesk__ticket_metrics'), version='updated_at') }}
)

select
  ticket_id,
  reply_time_minutes,
  solved_at,
  updated_at,
  _extract_date as extract_date,
  _loaded_at as loaded_at
from latest_version
