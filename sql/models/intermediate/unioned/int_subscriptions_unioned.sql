{{ config(changed=[{'column': 'subscription_id', 'records': ['crm__subscriptions', 'stripe__subscriptions']}]) }}
-- depends_on: {{ ref('int_changed_records') }}
-- One row per subscription of every source system, in the shape of stg_crm__subscriptions: SPEC §1
-- subscriptions as they are, and Stripe subscriptions keyed `stripe:<id>`, with the e-mail of their Stripe
-- customer, by which int_customer_keys ties them to the customer master (SPEC §6).
with crm as (
  select
    'crm__subscriptions' as entity,
    subscription_id,
    customer_id,
    cast(null as {{ dbt.type_string() }}) as email,
    started_date,
    ended_date,
    plan,
    monthly_amount,
    currency,
    extract_date,
    source_file,
    row_number
  from {{ ref('stg_crm__subscriptions') }}
  {{ where_changed(in_changed_records('subscription_id', ['crm__subscriptions'])) }}
),

stripe as (
  select
    'stripe__subscriptions' as entity,
    {{ vendor_key('stripe', 's.subscription_id') }} as subscription_id,
    cast(null as {{ dbt.type_string() }}) as customer_id,
    c.email,
    s.started_date,
    s.ended_date,
    cast(null as {{ dbt.type_string() }}) as plan,
    s.monthly_amount,
    s.currency,
    s.extract_date,
    s.source_file,
    s.row_number
  from {{ ref('stg_stripe__subscriptions') }} as s
  left join {{ ref('stg_stripe__customers') }} as c on c.stripe_customer_id = s.stripe_customer_id
  {{ where_changed(in_changed_records(vendor_key('stripe', 's.subscription_id'), ['stripe__subscriptions'])) }}
)

select * from crm
union all
select * from stripe
