{{ config(changed=[{'column': 'record_id', 'records': none}]) }}
-- depends_on: {{ ref('int_changed_records') }}
-- One row per record that may lack a customer_id (ticket, survey, NPS answer, order, cart, session, Stripe
-- subscription), with its date: the customer key it is tied to and the rule that tied it (SPEC §1 Customer
-- identity). A survey without a customer of its own takes its ticket's. Vendor records (a Zendesk
-- requester, a Shopify buyer, a Stripe customer, a Qualtrics respondent) have no customer_id: they are tied
-- by e-mail to the customer master (CRM customers and HubSpot contacts), else to a guest key (SPEC §6).
-- entity names the raw table of the record (zendesk__tickets, shopify__orders, ...); record keys never
-- collide across them.
with master_emails as (
  select email, min(customer_id) as customer_id
  from {{ ref('int_customers_unioned') }}
  where email is not null
  group by email
),

changed_surveys as (
  select * from {{ ref('int_surveys_unioned') }}
  {{ where_changed(in_changed_records('response_id')) }}
),

records as (
  -- the changed records, and the tickets of the changed surveys (whose customer a survey may take)
  select entity, ticket_id as record_id, created_date as record_date, customer_id, email,
    cast(null as {{ type_text() }}) as ticket_id
  from {{ ref('int_tickets_unioned') }}
  {{ where_changed(in_changed_records('ticket_id') ~ ' or ticket_id in (select ticket_id from changed_surveys)') }}
  union all
  select entity, response_id, responded_date, customer_id, email, ticket_id from changed_surveys
  union all
  select entity, order_id, ordered_date, customer_id, email, null from {{ ref('int_orders_unioned') }}
  {{ where_changed(in_changed_records('order_id')) }}
  union all
  select entity, cart_id, created_date, customer_id, email, null from {{ ref('int_carts_unioned') }}
  {{ where_changed(in_changed_records('cart_id')) }}
  union all
  select 'ecommerce__sessions', session_id, started_date, customer_id, email, null from {{ ref('stg_ecommerce__sessions') }}
  {{ where_changed(in_changed_records('session_id', ['ecommerce__sessions'])) }}
  union all
  select entity, subscription_id, started_date, null, email, null from {{ ref('int_subscriptions_unioned') }}
  where customer_id is null {{ and_changed(in_changed_records('subscription_id')) }}
  union all
  select 'qualtrics__responses', answer_id, responded_date, null, email, null from {{ ref('int_qualtrics_answers') }}
  where family = 'nps' {{ and_changed(in_changed_records('answer_id')) }}
),

own_identity as (
  select
    r.entity,
    r.record_id,
    r.record_date,
    r.ticket_id,
    coalesce(r.customer_id, m.customer_id) as known_customer_id,
    case when r.customer_id is not null then 'customer_id' when m.customer_id is not null then 'email_match' end
      as known_rule,
    -- md5 only where the key is used: a record without a CRM customer of its own
    case when r.customer_id is null and m.customer_id is null and r.email is not null then 'guest:' || md5(r.email) end
      as guest_key
  from records as r
  left join master_emails as m on m.email = r.email
)

select
  own.entity,
  own.record_id,
  own.record_date,
  coalesce(own.known_customer_id, ticket.known_customer_id, ticket.guest_key, own.guest_key) as customer_key,
  case
    when own.known_customer_id is not null then own.known_rule
    when coalesce(ticket.known_customer_id, ticket.guest_key) is not null then 'ticket'
    when own.guest_key is not null then 'guest'
    else 'unresolved'
  end as identity_rule
from own_identity as own
left join own_identity as ticket
  on own.entity in ('helpdesk__surveys', 'zendesk__satisfaction_ratings')
  and ticket.entity in ('helpdesk__tickets', 'zendesk__tickets')
  and ticket.record_id = own.ticket_id
{{ where_changed(in_changed_records('own.record_id')) }}
