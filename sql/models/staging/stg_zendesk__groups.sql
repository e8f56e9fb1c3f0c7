{{ config(unique_key=['group_id'], raw_key=['id']) }}

-- One row per Zendesk group: the latest version. Its name, folded, is the team of its tickets.
with latest_version as (
  {{ latest_version(source('raw', 'zendesk__groups'), version='updated_at') }}
)

select
  id as group_id,
  name as team,
  coalesce(deleted, false) as is_deleted,
  updated_at,
  _extract_date as extract_date,
  _loaded_at as loaded_at
from latest_version
