{{ config(changed=[{'column': 'ticket_id', 'records': ['helpdesk__tickets', 'zendesk__tickets']}]) }}
-- depends_on: {{ ref('int_changed_records') }}
-- One row per support ticket of every source system, in the shape of stg_helpdesk__tickets: SPEC §1
-- extracts as they are, Zendesk tickets mapped as SPEC §6 says (channel via.channel, agent assignee_id,
-- team the group's name, first response = created_at + reply_time_in_minutes.calendar minutes, resolved at
-- solved_at while the ticket is solved or closed, the requester's e-mail from its Zendesk user). A ticket
-- Zendesk deleted counts nowhere. entity names the raw table the ticket came from.
with helpdesk as (
  select
    'helpdesk__tickets' as entity,
    ticket_id,
    customer_id,
    email,
    channel,
    agent_id,
    team,
    status,
    created_at,
    first_response_at,
    resolved_at,
    extract_date
  from {{ ref('stg_helpdesk__tickets') }}
  {{ where_changed(in_changed_records('ticket_id', ['helpdesk__tickets'])) }}
),

zendesk as (
  select
    'zendesk__tickets' as entity,
    {{ vendor_key('zendesk', 't.ticket_id') }} as ticket_id,
    cast(null as {{ dbt.type_string() }}) as customer_id,
    u.email,
    t.channel,
    t.assignee_id as agent_id,
    g.team,
    t.status,
    t.created_at,
    t.created_at + m.reply_time_minutes * interval '1 minute' as first_response_at,
    case when t.status in ('solved', 'closed') then m.solved_at end as resolved_at,
    t.extract_date
  from {{ ref('stg_zendesk__tickets') }} as t
  left join {{ ref('stg_zendesk__ticket_metrics') }} as m on m.ticket_id = t.ticket_id
  left join {{ ref('stg_zendesk__users') }} as u on u.user_id = t.requester_id
  left join {{ ref('stg_zendesk__groups') }} as g on g.group_id = t.group_id
  where t.status is distinct from 'deleted'
    {{ and_changed(in_changed_records(vendor_key('zendesk', 't.ticket_id'), ['zendesk__tickets'])) }}
),

unioned as (
  select * from helpdesk
  union all
  select * from zendesk
)

select
  *,
  {{ reporting_date('created_at') }} as created_date,
  {{ reporting_date('first_response_at') }} as first_response_date,
  {{ reporting_date('resolved_at') }} as resolved_date
from unioned
