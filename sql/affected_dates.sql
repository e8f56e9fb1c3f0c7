-- The metric dates that the records of one extract date can change: the dates of their own timestamps
-- and of every earlier version of the same keys (a ticket resolved today that was opened last month
-- changes both days). kind 'day' changes that day only; kind 'from' changes every day from then to the
-- extract date, because activity (orders, subscriptions) and customer attributes carry forward.
with
nps as (
  select responded_at as event_at from raw.crm__nps_responses
  where response_id in (select response_id from raw.crm__nps_responses where _extract_date = :extract_date)
),
tickets as (
  select ticket_id, created_at, first_response_at, resolved_at from raw.helpdesk__tickets
  where ticket_id in (select ticket_id from raw.helpdesk__tickets where _extract_date = :extract_date)
),
surveys as (
  select responded_at as event_at from raw.helpdesk__surveys
  where response_id in (select response_id from raw.helpdesk__surveys where _extract_date = :extract_date)
    or ticket_id in (select ticket_id from tickets)
),
carts as (
  select created_at as event_at from raw.ecommerce__carts
  where cart_id in (select cart_id from raw.ecommerce__carts where _extract_date = :extract_date)
),
sessions as (
  select started_at as event_at from raw.ecommerce__sessions
  where session_id in (select session_id from raw.ecommerce__sessions where _extract_date = :extract_date)
),
referrals as (
  select sent_at as event_at from raw.ecommerce__referrals
  where referral_id in (select referral_id from raw.ecommerce__referrals where _extract_date = :extract_date)
),
orders as (
  select ordered_at as event_at from raw.ecommerce__orders
  where order_id in (select order_id from raw.ecommerce__orders where _extract_date = :extract_date)
),
subscriptions as (
  -- A new subscription changes activity from its start; a known one (ended, say) from its end.
  select
    case
      when exists (
        select 1 from raw.crm__subscriptions as earlier
        where earlier.subscription_id = s.subscription_id and earlier._extract_date < :extract_date
      ) then coalesce(s.ended_at, s.started_at)
      else s.started_at
    end as event_at
  from raw.crm__subscriptions as s
  where s._extract_date = :extract_date
),
customers as (
  -- A customer's attributes (segment, region, referrer) count on the days the customer was active...
  select a.active_from as event_at
  from intermediate.customer_activity as a
  where a.customer_key in (select customer_id from raw.crm__customers where _extract_date = :extract_date)
),
customer_responses as (
  -- ...and on the days of the customer's NPS and survey responses, active or not.
  select n.responded_date as day
  from stg.crm__nps_responses as n
  where n.customer_id in (select customer_id from raw.crm__customers where _extract_date = :extract_date)
  union all
  select s.responded_date
  from intermediate.survey_responses as s
  where s.customer_key in (select customer_id from raw.crm__customers where _extract_date = :extract_date)
),
rates as (
  select cast(date as date) as day from raw.reference__fx_rates where _extract_date = :extract_date
)

select 'day' as kind, cast(event_at as date) as day from nps
union select 'day', cast(created_at as date) from tickets
union select 'day', cast(first_response_at as date) from tickets where first_response_at is not null
union select 'day', cast(resolved_at as date) from tickets where resolved_at is not null
union select 'day', cast(event_at as date) from surveys
union select 'day', cast(event_at as date) from carts
union select 'day', cast(event_at as date) from sessions
union select 'day', cast(event_at as date) from referrals
union select 'day', day from customer_responses
union select 'from', min(cast(event_at as date)) from orders having count(*) > 0
union select 'from', min(cast(event_at as date)) from subscriptions having count(*) > 0
union select 'from', min(cast(event_at as date)) from customers having count(*) > 0
union select 'from', min(day) from rates having count(*) > 0
