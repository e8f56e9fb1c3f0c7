-- One row per subscription: its latest version, dates in the reporting time zone.
-- latest_version: the entity's raw rows, one per key, the latest version winning (SPEC §1).
select
  subscription_id,
  customer_id,
  started_at,
  ended_at,
  cast(started_at as date) as started_date,
  cast(ended_at as date) as ended_date,
  plan,
  monthly_amount,
  coalesce(currency, cast(:base_currency as text)) as currency,
  updated_at,
  _extract_date as extract_date,
  _source_file as source_file,
  _row_number as row_number
from latest_version
