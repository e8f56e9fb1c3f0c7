-- depends_on: {{ ref('int_changed_records') }}
-- One row per customer key whose rows this run re-derives in the per-customer intermediate models (orders'
-- first purchases, activity spells, customers, surveys' segment): the customers the changed records were
-- tied to before this run and are tied to now, and the changed customers of the customer master. Empty in a
-- run that rebuilds the intermediate models whole.
{%- if execute and changes_since() is none %}

select cast(null as {{ type_text() }}) as customer_key
where 1 = 0

{%- else %}

with changed as (
  select * from {{ ref('int_changed_records') }}
)

select previous_customer_key as customer_key from changed where previous_customer_key is not null
union
select customer_key from {{ ref('int_customer_keys') }}
where record_id in (select record_id from changed) and customer_key is not null
union
select customer_id from {{ ref('int_subscriptions') }}
where subscription_id in (select record_id from changed where entity = 'crm__subscriptions') and customer_id is not null
union
select record_id from changed where entity in ('crm__customers', 'hubspot__contacts')

{%- endif %}
