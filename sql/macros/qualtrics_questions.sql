{#- The Qualtrics questions of CX_QUALTRICS_QUESTIONS (SPEC §6) as a list of dicts: qid, family (nps, csat or
    ces), scale_min, scale_max and, for ces, high_is_easy. The Python side checks the setting and passes it in
    its canonical form, `QID1=nps:0-10;QID2=csat:1-5;QID3=ces:1-7:high_is_easy` (every scale written, every
    CES direction resolved), which is all this reads. -#}
{% macro qualtrics_questions() -%}
  {%- set questions = [] -%}
  {%- for entry in setting('qualtrics_questions').split(';') if entry.strip() -%}
    {%- set qid, spec = entry.strip().split('=') -%}
    {%- set parts = spec.split(':') -%}
    {%- set scale = parts[1].split('-') -%}
    {%- do questions.append({
      'qid': qid,
      'family': parts[0],
      'scale_min': scale[0],
      'scale_max': scale[1],
      'high_is_easy': parts | length > 2 and parts[2] == 'high_is_easy',
    }) -%}
  {%- endfor -%}
  {{ return(questions) }}
{%- endmacro %}


{#- One row per finished Qualtrics response and mapped question: its answer as a number (NULL when blank or
    not a number), the question's scale and direction, and whether the answer lies on that scale (an NPS
    answer also a whole number). int_qualtrics_answers counts the answers on their scale; the quarantine
    model qualtrics_answer_out_of_scale lists the others. -#}
{% macro qualtrics_mapped_answers() -%}
  {%- for question in qualtrics_questions() %}
  select
    *,
    score is not null and score >= scale_min and score <= scale_max
      {%- if question.family == 'nps' %} and score = floor(score){% endif %} as is_on_scale
  from (
    select
      response_id,
      '{{ question.family }}' as family,
      {{ loop.index }} as question_rank,
      '{{ question.qid }}' as question_id,
      {{ json_text('answers', question.qid) }} as answer,
      {{ number_or_null(json_text('answers', question.qid)) }} as score,
      cast({{ question.scale_min }} as {{ type_double() }}) as scale_min,
      cast({{ question.scale_max }} as {{ type_double() }}) as scale_max,
      '{{ question.scale_min }}–{{ question.scale_max }}' as scale,
      {{ question.high_is_easy }} as high_is_easy,
      responded_at,
      responded_date,
      email,
      channel,
      extract_date,
      source_file,
      row_number
    from {{ ref('stg_qualtrics__responses') }}
    where is_finished
  ) as answers
  {%- if not loop.last %}
  union all
  {%- endif %}
  {%- endfor %}
{%- endmacro %}
