{{ config(changed=[{'column': 'answer_id', 'records': ['qualtrics__responses']}]) }}
-- depends_on: {{ ref('int_changed_records') }}
-- One row per finished Qualtrics response and metric family it answers (SPEC §6): the questions
-- CX_QUALTRICS_QUESTIONS maps (e.g. QID1=nps;QID2=csat:1-5;QID3=ces:1-7:high_is_easy), each answer with its
-- scale and, for CES, its direction. A response answering several questions of one family counts once, with
-- the first of them in the setting's order; a blank or non-numeric answer is no answer, and one off its
-- scale is quarantined (qualtrics_answer_out_of_scale). answer_id is the answer's key in the unioned models,
-- `qualtrics:<responseId>:<family>`.
with answers as (
  select * from ({{ qualtrics_mapped_answers() }}) as mapped
  {{ where_changed(in_changed_records(vendor_key('qualtrics', "response_id || ':' || family"), ['qualtrics__responses'])) }}
),

ranked as (
  select
    *,
    row_number() over (partition by response_id, family order by question_rank) as family_rank
  from answers
  where is_on_scale
)

select
  {{ vendor_key('qualtrics', "response_id || ':' || family") }} as answer_id,
  response_id,
  family,
  question_id,
  score,
  scale_min,
  scale_max,
  high_is_easy,
  responded_at,
  responded_date,
  email,
  channel
from ranked
where family_rank = 1
