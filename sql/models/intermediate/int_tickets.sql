{{ config(changed=[{'column': 'ticket_id', 'records': ['helpdesk__tickets', 'zendesk__tickets']}]) }}
-- depends_on: {{ ref('int_changed_records') }}
-- One row per ticket of every source system: its customer key and the hours to first response and to resolution.
select
  t.ticket_id,
  k.customer_key,
  coalesce(t.channel, 'unknown') as channel,
  coalesce(t.team, 'unknown') as team,
  coalesce(t.agent_id, 'unknown') as agent,
  t.created_date,
  t.first_response_date,
  t.resolved_date,
  ({{ epoch_seconds('t.first_response_at') }} - {{ epoch_seconds('t.created_at') }}) / 3600.0 as first_response_hours,
  ({{ epoch_seconds('t.resolved_at') }} - {{ epoch_seconds('t.created_at') }}) / 3600.0 as resolution_hours
from {{ ref('int_tickets_unioned') }} as t
left join {{ ref('int_customer_keys') }} as k
  on k.entity = t.entity and k.record_id = t.ticket_id
{{ where_changed(in_changed_records('t.ticket_id', ['helpdesk__tickets', 'zendesk__tickets'])) }}
