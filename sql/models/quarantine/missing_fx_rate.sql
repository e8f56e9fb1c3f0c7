{{ config(
    post_hook=[
      "delete from {{ rejected_rows() }} where stage = 'staging'",
      "insert into {{ rejected_rows() }} (entity, extract_date, source_file, row_number, raw_row, rule,
         column_name, detail, stage, quarantined_at)
       select entity, extract_date, source_file, row_number, raw_row, rule, column_name, detail, 'staging',
         quarantined_at
       from {{ this }}",
    ]
) }}

-- One row per order or subscription whose currency has no rate on or before its date: it cannot be
-- converted to the base currency (SPEC §1 Money), so it stays out of the intermediate tables. The post-hook
-- lists these rows in quarantine.rejected_rows (stage 'staging') beside the rows the raw layer rejected,
-- replacing the previous run's list.
select
  o.entity,
  o.extract_date,
  o.source_file,
  o.row_number,
  'order_id=' || o.order_id || ', currency=' || o.currency || ', ordered_at=' || cast(o.ordered_at as text)
    as raw_row,
  'no_fx_rate' as rule,
  'currency' as column_name,
  'currency ' || o.currency || ' has no rate on or before ' || cast(o.ordered_date as text) as detail,
  {{ utc_now() }} as quarantined_at
from {{ ref('int_orders_unioned') }} as o
where not exists (select 1 from {{ ref('int_orders') }} as i where i.order_id = o.order_id)
union all
select
  'crm__subscriptions',
  s.extract_date,
  s.source_file,
  s.row_number,
  'subscription_id=' || s.subscription_id || ', currency=' || s.currency,
  'no_fx_rate',
  'currency',
  'currency ' || s.currency || ' has no rate on or before ' || cast(s.started_date as text),
  {{ utc_now() }}
from {{ ref('stg_crm__subscriptions') }} as s
where not exists (select 1 from {{ ref('int_subscriptions') }} as i where i.subscription_id = s.subscription_id)
