-- Records of each month by the customer-identity rule that tied them to a customer (SPEC §1), for the
-- entities whose records may lack a customer_id. Dates are taken in the reporting time zone.
with records as (
  select 'helpdesk__tickets' as entity, ticket_id as record_id, created_at as record_at from stg.helpdesk__tickets
  union all
  select 'helpdesk__surveys', response_id, responded_at from stg.helpdesk__surveys
  union all
  select 'ecommerce__orders', order_id, ordered_at from stg.ecommerce__orders
  union all
  select 'ecommerce__carts', cart_id, created_at from stg.ecommerce__carts
  union all
  select 'ecommerce__sessions', session_id, started_at from stg.ecommerce__sessions
)

select
  cast(date_trunc('month', cast(records.record_at as date)) as date) as month,
  keys.entity,
  keys.identity_rule,
  count(*) as records
from intermediate.customer_keys as keys
inner join records
  on records.entity = keys.entity
  and records.record_id = keys.record_id
where cast(records.record_at as date) between :first_day and :last_day
group by 1, keys.entity, keys.identity_rule
order by 1, keys.entity, keys.identity_rule
