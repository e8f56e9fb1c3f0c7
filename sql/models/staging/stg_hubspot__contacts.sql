{{ config(unique_key=['contact_id'], raw_key=['id']) }}

-- One row per HubSpot contact, the customer master of a team on HubSpot: its latest version. The segment is
-- the contact property CX_HUBSPOT_SEGMENT_PROPERTY names (default lifecyclestage), folded as an enumeration;
-- the region is its country. A property the contact lacks is NULL.
with latest_version as (
  {{ latest_version(source('raw', 'hubspot__contacts'), version='updated_at') }}
)

select
  id as contact_id,
  nullif(lower(trim(email)), '') as email,
  {{ folded(json_text('properties', setting('hubspot_segment_property'))) }} as segment,
  country as region,
  created_at,
  coalesce(archived, false) as is_archived,
  updated_at,
  _extract_date as extract_date,
  _loaded_at as loaded_at
from latest_version
