{{ config(changed=[{'column': 'customer_id', 'records': ['crm__customers', 'hubspot__contacts']}]) }}
-- depends_on: {{ ref('int_changed_records') }}
-- One row per customer of the customer master (SPEC §6): SPEC §1 CRM customers as they are, and HubSpot
-- contacts keyed `hubspot:<id>` with the segment and region stg_hubspot__contacts reads. Records of the other
-- systems are tied to these customers by e-mail (int_customer_keys).
with crm as (
  select
    'crm__customers' as entity,
    customer_id,
    email,
    segment,
    region,
    referred_by_customer_id,
    created_at
  from {{ ref('stg_crm__customers') }}
  {{ where_changed(in_changed_records('customer_id', ['crm__customers'])) }}
),

hubspot as (
  select
    'hubspot__contacts' as entity,
    {{ vendor_key('hubspot', 'contact_id') }} as customer_id,
    email,
    segment,
    region,
    cast(null as {{ dbt.type_string() }}) as referred_by_customer_id,
    created_at
  from {{ ref('stg_hubspot__contacts') }}
  {{ where_changed(in_changed_records(vendor_key('hubspot', 'contact_id'), ['hubspot__contacts'])) }}
)

select * from crm
union all
select * from hubspot
