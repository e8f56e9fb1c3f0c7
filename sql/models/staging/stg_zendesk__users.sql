{{ config(unique_key=['user_id'], raw_key=['id']) }}

-- One row per Zendesk user (requesters, agents, admins): the latest version.
with latest_version as (
  {{ latest_version(source('raw', 'zendesk__users'), version='updated_at') }}
)

select
  id as user_id,
  nullif(lower(trim(email)), '') as email,
  role,
  updated_at,
  _extract_date as extract_date,
  _loaded_at as loaded_at
from latest_version
