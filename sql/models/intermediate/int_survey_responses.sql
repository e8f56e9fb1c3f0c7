{{ config(changed=[{'column': 'response_id', 'records': ['helpdesk__surveys', 'zendesk__satisfaction_ratings', 'qualtrics__responses']},
                  {'column': 'customer_key', 'customers': true}]) }}
-- depends_on: {{ ref('int_changed_records') }} {{ ref('int_changed_customers') }}
-- One row per CSAT or CES response of every source system: the score's position on its own scale (0 = scale_min, 1 = scale_max),
-- turned so that for CES 0 is the least effort, and the channel, agent, team and segment it counts under
-- (its ticket's where it has none of its own).
with positioned as (
  select
    s.*,
    (s.score - s.scale_min) / (s.scale_max - s.scale_min) as raw_position
  from {{ ref('int_surveys_unioned') }} as s
  {{ where_changed(in_changed_records('s.response_id') ~ ' or s.response_id in (select record_id from '
      ~ ref('int_customer_keys') ~ ' where ' ~ in_changed_customers('customer_key') ~ ')') }}
)

select
  p.response_id,
  p.survey_type,
  p.responded_date,
  case
    when p.survey_type = 'ces' and p.high_is_easy then 1 - p.raw_position
    else p.raw_position
  end as position,
  k.customer_key,
  coalesce(p.channel, t.channel, 'unknown') as channel,
  coalesce(t.agent_id, 'unknown') as agent,
  coalesce(t.team, 'unknown') as team,
  coalesce(c.segment, 'unknown') as segment
from positioned as p
left join {{ ref('int_tickets_unioned') }} as t on t.ticket_id = p.ticket_id
left join {{ ref('int_customer_keys') }} as k
  on k.entity = p.entity and k.record_id = p.response_id
left join {{ ref('int_customers') }} as c on c.customer_key = k.customer_key
