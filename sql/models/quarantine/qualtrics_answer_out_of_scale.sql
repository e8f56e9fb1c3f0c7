{{ config(post_hook=["{{ delete_staging_rejections('score_out_of_scale') }}", "{{ insert_staging_rejections() }}"]) }}

-- One row per answer of a finished Qualtrics response to a mapped question that lies off the question's
-- scale (CX_QUALTRICS_QUESTIONS; an NPS answer must be a whole number 0–10): it counts nowhere (SPEC §3). The
-- raw layer cannot see it, as the mapping is the SQL's; the post-hooks list it in quarantine.rejected_rows
-- (stage 'staging') with the rule the raw layer gives a SPEC §1 score off its scale.
with answers as (
  {{ qualtrics_mapped_answers() }}
)

select
  'qualtrics__responses' as entity,
  extract_date,
  source_file,
  row_number,
  'responseId=' || response_id || ', ' || question_id || '=' || answer as raw_row,
  'score_out_of_scale' as rule,
  'values.' || question_id as column_name,
  'score ' || answer || ' of ' || question_id || ' (' || family || ') is outside its scale ' || scale as detail,
  {{ utc_now() }} as quarantined_at
from answers
where score is not null and not is_on_scale
