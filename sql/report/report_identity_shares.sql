-- Records of each month by the customer-identity rule that tied them to a customer (SPEC §1), for the
-- entities whose records may lack a customer_id. Dates are the records' own, in the reporting time zone.
select
  cast(date_trunc('month', record_date) as date) as month,
  entity,
  identity_rule,
  count(*) as records
from intermediate.customer_keys
where record_date between :first_day and :last_day
group by 1, entity, identity_rule
order by 1, entity, identity_rule
