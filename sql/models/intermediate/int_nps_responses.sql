{{ config(changed=[{'column': 'response_id', 'records': ['crm__nps_responses', 'qualtrics__responses']}]) }}
-- depends_on: {{ ref('int_changed_records') }}
-- One row per NPS response of every source system (SPEC §4 nps): SPEC §1 responses with their customer, and
-- each Qualtrics answer to a question mapped as nps, tied to its recipient by e-mail (SPEC §6).
with crm as (
  select
    response_id,
    customer_id as customer_key,
    responded_date,
    score,
    channel
  from {{ ref('stg_crm__nps_responses') }}
  {{ where_changed(in_changed_records('response_id', ['crm__nps_responses'])) }}
),

qualtrics as (
  select
    a.answer_id,
    k.customer_key,
    a.responded_date,
    a.score,
    a.channel
  from {{ ref('int_qualtrics_answers') }} as a
  left join {{ ref('int_customer_keys') }} as k
    on k.entity = 'qualtrics__responses' and k.record_id = a.answer_id
  where a.family = 'nps'
    {{ and_changed(in_changed_records('a.answer_id', ['qualtrics__responses'])) }}
)

select * from crm
union all
select * from qualtrics
