-- Orders and subscriptions whose currency has no rate on or before their date cannot be converted to the
-- base currency (SPEC §1 Money): they stay out of the intermediate tables and are listed here instead.
delete from quarantine.rejected_rows where stage = 'staging';

insert into quarantine.rejected_rows
  (entity, extract_date, source_file, row_number, raw_row, rule, column_name, detail, stage, quarantined_at)
select
  'ecommerce__orders', o.extract_date, o.source_file, o.row_number,
  'order_id=' || o.order_id || ', currency=' || o.currency || ', ordered_at=' || cast(o.ordered_at as text),
  'no_fx_rate', 'currency',
  'currency ' || o.currency || ' has no rate on or before ' || cast(o.ordered_date as text),
  'staging', :now
from stg.ecommerce__orders as o
where not exists (select 1 from intermediate.orders as i where i.order_id = o.order_id)
union all
select
  'crm__subscriptions', s.extract_date, s.source_file, s.row_number,
  'subscription_id=' || s.subscription_id || ', currency=' || s.currency,
  'no_fx_rate', 'currency',
  'currency ' || s.currency || ' has no rate on or before ' || cast(s.started_date as text),
  'staging', :now
from stg.crm__subscriptions as s
where not exists (select 1 from intermediate.subscriptions as i where i.subscription_id = s.subscription_id);
