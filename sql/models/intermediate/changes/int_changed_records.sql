-- One row per record whose intermediate rows this run re-derives, and the customer key it was tied to before
-- (macros/changes.sql): the records of the staging rows loaded since the intermediate models' last run, the
-- records they feed (a Zendesk ticket's metrics, group and requester; a Shopify order's checkout; a Stripe
-- subscription's customer; a rate's orders and subscriptions), every record whose e-mail a changed customer
-- of the customer master has or had (identity re-ties), and the surveys of every ticket among them. entity
-- and record_id are as in int_customer_keys; a customer of the master is a record of crm__customers or
-- hubspot__contacts. Empty in a run that rebuilds the intermediate models whole.
{%- set qualtrics_families = ['nps', 'csat', 'ces'] %}
{%- if execute and changes_since() is none %}

select
  cast(null as {{ type_text() }}) as entity,
  cast(null as {{ type_text() }}) as record_id,
  cast(null as {{ type_text() }}) as previous_customer_key
where 1 = 0

{%- else %}

with rates as (
  -- the first day from which each currency's rates changed; a rate given for the base currency replaces its
  -- implicit 1 on every day
  select
    currency,
    case when currency = '{{ setting('base_currency') }}' then cast('0001-01-01' as date) else min(rate_date) end
      as changed_from
  from {{ ref('stg_reference__fx_rates') }}
  where {{ loaded_since() }}
  group by currency
),

zendesk_users as (
  select user_id from {{ ref('stg_zendesk__users') }} where {{ loaded_since() }}
),

shopify_orders as (
  select order_id, checkout_token from {{ ref('stg_shopify__orders') }} where {{ loaded_since() }}
),

master_customers as (
  select 'crm__customers' as entity, customer_id as record_id
  from {{ ref('stg_crm__customers') }} where {{ loaded_since() }}
  union all
  select 'hubspot__contacts', {{ vendor_key('hubspot', 'contact_id') }}
  from {{ ref('stg_hubspot__contacts') }} where {{ loaded_since() }}
),

master_emails as (
  -- the addresses the changed customers have now, and had before this run
  select email from {{ ref('stg_crm__customers') }} where {{ loaded_since() }}
  union
  select email from {{ ref('stg_hubspot__contacts') }} where {{ loaded_since() }}
  union
  select email from {{ previous('int_customers_unioned') }}
  where customer_id in (select record_id from master_customers)
),

loaded as (
  select * from master_customers
  union all
  select 'crm__nps_responses', response_id from {{ ref('stg_crm__nps_responses') }} where {{ loaded_since() }}
  union all
  select 'helpdesk__tickets', ticket_id from {{ ref('stg_helpdesk__tickets') }} where {{ loaded_since() }}
  union all
  select 'zendesk__tickets', {{ vendor_key('zendesk', 'ticket_id') }}
  from {{ ref('stg_zendesk__tickets') }}
  where {{ loaded_since() }}
    or requester_id in (select user_id from zendesk_users)
    or group_id in (select group_id from {{ ref('stg_zendesk__groups') }} where {{ loaded_since() }})
  union all
  select 'zendesk__tickets', {{ vendor_key('zendesk', 'ticket_id') }}
  from {{ ref('stg_zendesk__ticket_metrics') }} where {{ loaded_since() }}
  union all
  select 'helpdesk__surveys', response_id from {{ ref('stg_helpdesk__surveys') }} where {{ loaded_since() }}
  union all
  select 'zendesk__satisfaction_ratings', {{ vendor_key('zendesk', 'rating_id') }}
  from {{ ref('stg_zendesk__satisfaction_ratings') }}
  where {{ loaded_since() }} or requester_id in (select user_id from zendesk_users)
  {%- for family in qualtrics_families %}
  union all
  -- a response's answer to each family it may answer, loaded since or of a re-tied address
  select 'qualtrics__responses', {{ vendor_key('qualtrics', "response_id || ':" ~ family ~ "'") }}
  from {{ ref('stg_qualtrics__responses') }}
  where {{ loaded_since() }} or email in (select email from master_emails)
  {%- endfor %}
  union all
  select 'ecommerce__orders', order_id from {{ ref('stg_ecommerce__orders') }} where {{ loaded_since() }}
  union all
  select 'shopify__orders', {{ vendor_key('shopify', 'order_id') }} from shopify_orders
  union all
  select entity, order_id from {{ previous('int_orders_unioned') }} as o
  where exists (select 1 from rates as r where r.currency = o.currency and o.ordered_date >= r.changed_from)
  union all
  select 'ecommerce__carts', cart_id from {{ ref('stg_ecommerce__carts') }} where {{ loaded_since() }}
  union all
  select 'shopify__checkouts', {{ vendor_key('shopify', 'checkout_token') }}
  from {{ ref('stg_shopify__checkouts') }}
  where {{ loaded_since() }} or checkout_token in (select checkout_token from shopify_orders)
  union all
  -- a checkout the changed orders were the first order of before
  select entity, cart_id from {{ previous('int_carts_unioned') }}
  where order_id in (select {{ vendor_key('shopify', 'order_id') }} from shopify_orders)
  union all
  select 'ecommerce__sessions', session_id from {{ ref('stg_ecommerce__sessions') }}
  where {{ loaded_since() }} or email in (select email from master_emails)
  union all
  select 'crm__subscriptions', subscription_id from {{ ref('stg_crm__subscriptions') }} where {{ loaded_since() }}
  union all
  select 'stripe__subscriptions', {{ vendor_key('stripe', 'subscription_id') }}
  from {{ ref('stg_stripe__subscriptions') }}
  where {{ loaded_since() }}
    or stripe_customer_id in (select stripe_customer_id from {{ ref('stg_stripe__customers') }} where {{ loaded_since() }})
  union all
  select entity, subscription_id from {{ previous('int_subscriptions_unioned') }} as s
  where exists (select 1 from rates as r where r.currency = s.currency and s.started_date >= r.changed_from)
),

retied as (
  -- records tied, or to be tied, by an address of a changed customer of the master (sessions and Qualtrics
  -- answers: with their loaded rows above)
  select entity, ticket_id as record_id from {{ previous('int_tickets_unioned') }}
  where email in (select email from master_emails)
  union all
  select entity, response_id from {{ previous('int_surveys_unioned') }} where email in (select email from master_emails)
  union all
  select entity, order_id from {{ previous('int_orders_unioned') }} where email in (select email from master_emails)
  union all
  select entity, cart_id from {{ previous('int_carts_unioned') }} where email in (select email from master_emails)
  union all
  select entity, subscription_id from {{ previous('int_subscriptions_unioned') }}
  where email in (select email from master_emails)
),

records as (
  select * from loaded
  union
  select * from retied
),

tickets as (
  select record_id from records where entity in ('helpdesk__tickets', 'zendesk__tickets')
),

with_surveys as (
  -- a survey takes its ticket's customer when it has none of its own, and its ticket's channel, agent and team
  select * from records
  union
  select entity, response_id from {{ previous('int_surveys_unioned') }} where ticket_id in (select record_id from tickets)
  union
  select 'helpdesk__surveys', response_id from {{ ref('stg_helpdesk__surveys') }}
  where ticket_id in (select record_id from tickets)
  union
  select 'zendesk__satisfaction_ratings', {{ vendor_key('zendesk', 'rating_id') }}
  from {{ ref('stg_zendesk__satisfaction_ratings') }}
  where {{ vendor_key('zendesk', 'ticket_id') }} in (select record_id from tickets)
)

select
  c.entity,
  c.record_id,
  coalesce(k.customer_key, s.customer_id) as previous_customer_key
from with_surveys as c
left join {{ previous('int_customer_keys') }} as k on k.entity = c.entity and k.record_id = c.record_id
left join {{ previous('int_subscriptions') }} as s
  on c.entity = 'crm__subscriptions' and s.subscription_id = c.record_id

{%- endif %}
