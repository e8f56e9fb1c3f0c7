-- The metric dates that the records of one extract date can change, by entity. kind 'day' changes that
-- day only; kind 'from' changes every published day from then on: activity (orders, subscriptions)
-- carries forward over inactivity spells and into the rolling 30-day windows of churn, retention, arpu
-- and ltv; an order can change which order of its customer is the first ever, and so every later one;
-- exchange rates and customer attributes apply until they change again.
-- Vendor objects (SPEC §6) count the same way, with the objects they feed (a Zendesk ticket's metrics,
-- group and requester; a Shopify order's checkout; a Stripe subscription's customer); HubSpot contacts as
-- CRM customers.
-- Each record counts with every other version of the same key (a ticket resolved today that was opened
-- last month changes both days). Rows kept from records that a reload of the date replaced count too
-- (raw.replaced_record_dates): a re-sent file may drop a record, which no table holds any more.
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
subscription_versions as (
  select * from raw.crm__subscriptions
  where subscription_id in (select subscription_id from raw.crm__subscriptions where _extract_date = :extract_date)
),
subscriptions as (
  -- A subscription changes activity and revenue from its start when it is new, or when its versions
  -- disagree on anything but the end; else from the earliest end any version gives it.
  select
    case
      when count(*) = 1 or count(distinct concat(
        cast(started_at as text), '|', customer_id, '|', cast(monthly_amount as text), '|', currency)) > 1
      then min(started_at)
      else min(ended_at)
    end as event_at
  from subscription_versions
  group by subscription_id
),
changed_customers as (
  -- customers of the customer master: CRM customers and HubSpot contacts (keyed hubspot:<id>)
  select customer_id from raw.crm__customers where _extract_date = :extract_date
  union select 'hubspot:' || id from raw.hubspot__contacts where _extract_date = :extract_date
),
customer_emails as (
  -- Every address the changed customers had or have: records tied to a customer by e-mail move with it.
  select distinct nullif(lower(trim(email)), '') as email from raw.crm__customers
  where customer_id in (select customer_id from changed_customers)
  union select distinct nullif(lower(trim(email)), '') from raw.hubspot__contacts
  where 'hubspot:' || id in (select customer_id from changed_customers)
),
customers as (
  -- A customer's attributes (segment, region, referrer) count on the days the customer was active...
  select a.active_from as event_at
  from intermediate.customer_activity as a
  where a.customer_key in (select customer_id from changed_customers)
  union all
  -- ...and the orders tied by e-mail carry activity and "first order ever" to whichever key they move to.
  select o.ordered_at
  from stg.ecommerce__orders as o
  where o.email in (select email from customer_emails)
),
customer_responses as (
  -- ...and on the days of the customer's NPS and survey responses, active or not.
  select n.responded_date as day
  from intermediate.nps_responses as n
  where n.customer_key in (select customer_id from changed_customers)
  union all
  select s.responded_date
  from intermediate.survey_responses as s
  where s.customer_key in (select customer_id from changed_customers)
  union all
  select s.responded_date
  from stg.helpdesk__surveys as s
  where s.email in (select email from customer_emails)
    or s.ticket_id in (select ticket_id from stg.helpdesk__tickets where email in (select email from customer_emails))
),
rates as (
  select cast(date as date) as day from raw.reference__fx_rates where _extract_date = :extract_date
),
-- Vendor objects (SPEC §6). A Zendesk ticket's figures come from its versions, its metrics, its group's
-- name and its requester; a rating's from its own versions and its ticket.
zendesk_changed_users as (
  select id from raw.zendesk__users where _extract_date = :extract_date
),
zendesk_changed_tickets as (
  select id from raw.zendesk__tickets where _extract_date = :extract_date
  union select ticket_id from raw.zendesk__ticket_metrics where _extract_date = :extract_date
  union select id from raw.zendesk__tickets
    where group_id in (select id from raw.zendesk__groups where _extract_date = :extract_date)
    or requester_id in (select id from zendesk_changed_users)
),
zendesk_tickets as (
  select t.created_at, t.created_at + m.reply_time_minutes * interval '1 minute' as first_response_at,
    m.solved_at
  from raw.zendesk__tickets as t
  left join raw.zendesk__ticket_metrics as m on m.ticket_id = t.id
  where t.id in (select id from zendesk_changed_tickets)
),
zendesk_ratings as (
  select updated_at as event_at from raw.zendesk__satisfaction_ratings
  where id in (select id from raw.zendesk__satisfaction_ratings where _extract_date = :extract_date)
    or ticket_id in (select id from zendesk_changed_tickets)
    or requester_id in (select id from zendesk_changed_users)
),
shopify_orders as (
  select created_at, checkout_token from raw.shopify__orders
  where id in (select id from raw.shopify__orders where _extract_date = :extract_date)
),
shopify_checkouts as (
  -- a checkout's day changes with its versions and with the orders that carry its token
  select created_at as event_at from raw.shopify__checkouts
  where token in (select token from raw.shopify__checkouts where _extract_date = :extract_date)
    or token in (select checkout_token from shopify_orders)
),
stripe_changed_subscriptions as (
  select id from raw.stripe__subscriptions where _extract_date = :extract_date
  union select s.id from raw.stripe__subscriptions as s
    where s.customer in (select id from raw.stripe__customers where _extract_date = :extract_date)
),
stripe_subscriptions as (
  -- as SPEC §1 subscriptions: from the start when new, when its versions disagree on anything but the end,
  -- or when its customer changed (and with it, maybe, the customer it is tied to); else from the earliest end
  select
    case
      when count(*) = 1 or count(distinct concat(
        cast(start_date as text), '|', customer, '|', cast(monthly_amount as text), '|', currency)) > 1
        or max(customer) in (select id from raw.stripe__customers where _extract_date = :extract_date)
      then min(start_date)
      else min(coalesce(ended_at, canceled_at))
    end as event_at
  from raw.stripe__subscriptions
  where id in (select id from stripe_changed_subscriptions)
  group by id
),
qualtrics_responses as (
  select recorded_at as event_at from raw.qualtrics__responses
  where response_id in (select response_id from raw.qualtrics__responses where _extract_date = :extract_date)
),
vendor_customers as (
  -- Shopify orders and Stripe subscriptions tied by e-mail to a customer who changed carry activity and
  -- "first order ever" with it...
  select created_at as event_at from raw.shopify__orders
  where nullif(lower(trim(coalesce(email, customer_email))), '') in (select email from customer_emails)
  union all
  select s.start_date from raw.stripe__subscriptions as s
  inner join raw.stripe__customers as c on c.id = s.customer
  where nullif(lower(trim(c.email)), '') in (select email from customer_emails)
),
vendor_customer_responses as (
  -- ...and Zendesk ratings of such a requester, or of such a requester's ticket, count in its segment.
  select cast(r.updated_at as date) as day
  from raw.zendesk__satisfaction_ratings as r
  where r.requester_id in (select id from raw.zendesk__users
                           where nullif(lower(trim(email)), '') in (select email from customer_emails))
    or r.ticket_id in (select t.id from raw.zendesk__tickets as t
                       inner join raw.zendesk__users as u on u.id = t.requester_id
                       where nullif(lower(trim(u.email)), '') in (select email from customer_emails))
  union all
  -- ...and so do Qualtrics answers of such a respondent.
  select cast(recorded_at as date) from raw.qualtrics__responses
  where nullif(lower(trim(email)), '') in (select email from customer_emails)
)

select entity, kind, day from (
  select 'crm__nps_responses' as entity, 'day' as kind, cast(event_at as date) as day from nps
  union select 'helpdesk__tickets', 'day', cast(created_at as date) from tickets
  union select 'helpdesk__tickets', 'day', cast(first_response_at as date) from tickets
  union select 'helpdesk__tickets', 'day', cast(resolved_at as date) from tickets
  union select 'helpdesk__surveys', 'day', cast(event_at as date) from surveys
  union select 'ecommerce__carts', 'day', cast(event_at as date) from carts
  union select 'ecommerce__sessions', 'day', cast(event_at as date) from sessions
  union select 'ecommerce__referrals', 'day', cast(event_at as date) from referrals
  union select 'crm__customers', 'day', day from customer_responses
  union select 'ecommerce__orders', 'from', min(cast(event_at as date)) from orders
  union select 'crm__subscriptions', 'from', min(cast(event_at as date)) from subscriptions
  union select 'crm__customers', 'from', min(cast(event_at as date)) from customers
  union select 'reference__fx_rates', 'from', min(day) from rates
  union select 'zendesk__tickets', 'day', cast(created_at as date) from zendesk_tickets
  union select 'zendesk__tickets', 'day', cast(first_response_at as date) from zendesk_tickets
  union select 'zendesk__tickets', 'day', cast(solved_at as date) from zendesk_tickets
  union select 'zendesk__satisfaction_ratings', 'day', cast(event_at as date) from zendesk_ratings
  union select 'shopify__checkouts', 'day', cast(event_at as date) from shopify_checkouts
  union select 'shopify__orders', 'from', min(cast(created_at as date)) from shopify_orders
  union select 'crm__customers', 'day', day from vendor_customer_responses
  union select 'crm__customers', 'from', min(cast(event_at as date)) from vendor_customers
  union select 'stripe__subscriptions', 'from', min(cast(event_at as date)) from stripe_subscriptions
  union select 'qualtrics__responses', 'day', cast(event_at as date) from qualtrics_responses
) as records
where day is not null
union
select entity, kind, day from raw.replaced_record_dates where extract_date = :extract_date
