-- One row per referral invitation: the last extract that carried it.
-- latest_version: the entity's raw rows, one per key, the latest version winning (SPEC §1).
select
  referral_id,
  referrer_customer_id,
  sent_at,
  cast(sent_at as date) as sent_date,
  nullif(lower(trim(invitee_email)), '') as invitee_email,
  signed_up_customer_id,
  _extract_date as extract_date
from latest_version
