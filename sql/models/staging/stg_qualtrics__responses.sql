{{ config(unique_key=['response_id']) }}

-- One row per Qualtrics survey response (Response Export JSON or the CSV export): the last extract that
-- carried it. `answers` is the response's whole `values` object, from which int_qualtrics_answers takes the
-- questions CX_QUALTRICS_QUESTIONS maps. An unfinished response is kept here and counted nowhere.
with latest_version as (
  {{ latest_version(source('raw', 'qualtrics__responses')) }}
)

select
  response_id,
  recorded_at as responded_at,
  {{ reporting_date('recorded_at') }} as responded_date,
  coalesce(finished, true) as is_finished,
  nullif(lower(trim(email)), '') as email,
  channel,
  answers,
  _extract_date as extract_date,
  _source_file as source_file,
  _row_number as row_number,
  _loaded_at as loaded_at
from latest_version
