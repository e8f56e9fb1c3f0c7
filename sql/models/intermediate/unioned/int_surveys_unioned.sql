{{ config(changed=[{'column': 'response_id', 'records': ['helpdesk__surveys', 'zendesk__satisfaction_ratings', 'qualtrics__responses']}]) }}
-- depends_on: {{ ref('int_changed_records') }}
-- One row per CSAT or CES response of every source system, in the shape of stg_helpdesk__surveys: SPEC §1
-- surveys as they are; each Zendesk satisfaction rating answered `good` (1) or `bad` (0) as a CSAT
-- response on the scale 0–1, answered at the rating's updated_at, tied to its ticket (whose channel, agent
-- and team it takes) and to its requester's e-mail; each Qualtrics CSAT or CES answer on the scale its
-- question is mapped with, tied to its recipient's e-mail. Ratings only offered (or not even that) are no
-- responses (SPEC §6): they stay in raw and staging and count nowhere. high_is_easy gives each CES response's
-- direction: CX_CES_LOW_IS_EASY for SPEC §1 surveys, its question's mapping for Qualtrics.
with helpdesk as (
  select
    'helpdesk__surveys' as entity,
    response_id,
    survey_type,
    responded_at,
    score,
    scale_min,
    scale_max,
    ticket_id,
    customer_id,
    email,
    channel,
    not {{ setting('ces_low_is_easy') }} as high_is_easy
  from {{ ref('stg_helpdesk__surveys') }}
  {{ where_changed(in_changed_records('response_id', ['helpdesk__surveys'])) }}
),

zendesk as (
  select
    'zendesk__satisfaction_ratings' as entity,
    {{ vendor_key('zendesk', 'r.rating_id') }} as response_id,
    'csat' as survey_type,
    r.responded_at,
    case r.score when 'good' then 1.0 else 0.0 end as score,
    0.0 as scale_min,
    1.0 as scale_max,
    {{ vendor_key('zendesk', 'r.ticket_id') }} as ticket_id,
    cast(null as {{ dbt.type_string() }}) as customer_id,
    u.email,
    cast(null as {{ dbt.type_string() }}) as channel,
    false as high_is_easy
  from {{ ref('stg_zendesk__satisfaction_ratings') }} as r
  left join {{ ref('stg_zendesk__users') }} as u on u.user_id = r.requester_id
  where r.is_response
    {{ and_changed(in_changed_records(vendor_key('zendesk', 'r.rating_id'), ['zendesk__satisfaction_ratings'])) }}
),

qualtrics as (
  select
    'qualtrics__responses' as entity,
    answer_id as response_id,
    family as survey_type,
    responded_at,
    score,
    scale_min,
    scale_max,
    cast(null as {{ dbt.type_string() }}) as ticket_id,
    cast(null as {{ dbt.type_string() }}) as customer_id,
    email,
    channel,
    high_is_easy
  from {{ ref('int_qualtrics_answers') }}
  where family in ('csat', 'ces')
    {{ and_changed(in_changed_records('answer_id', ['qualtrics__responses'])) }}
),

unioned as (
  select * from helpdesk
  union all
  select * from zendesk
  union all
  select * from qualtrics
)

select
  *,
  {{ reporting_date('responded_at') }} as responded_date
from unioned
