{{ config(post_hook=["{{ delete_staging_rejections('no_fx_rate') }}", "{{ insert_staging_rejections() }}"]) }}

-- One row per order or subscription whose currency has no rate on or before its date: it cannot be
-- converted to the base currency (SPEC §1 Money), so it stays out of the intermediate tables. The post-hooks
-- list these rows in quarantine.rejected_rows (stage 'staging') beside the rows the raw layer rejected,
-- replacing the previous run's list.
select
  o.entity,
  o.extract_date,
  o.source_file,
  o.row_number,
  'order_id=' || o.order_id || ', currency=' || o.currency || ', ordered_at=' || cast(o.ordered_at as {{ type_text() }})
    as raw_row,
  'no_fx_rate' as rule,
  'currency' as column_name,
  'currency ' || o.currency || ' has no rate on or before ' || cast(o.ordered_date as {{ type_text() }}) as detail,
  {{ utc_now() }} as quarantined_at
from {{ ref('int_orders_unioned') }} as o
where not exists (select 1 from {{ ref('int_orders') }} as i where i.order_id = o.order_id)
union all
select
  s.entity,
  s.extract_date,
  s.source_file,
  s.row_number,
  'subscription_id=' || s.subscription_id || ', currency=' || s.currency,
  'no_fx_rate',
  'currency',
  'currency ' || s.currency || ' has no rate on or before ' || cast(s.started_date as {{ type_text() }}),
  {{ utc_now() }}
from {{ ref('int_subscriptions_unioned') }} as s
where not exists (select 1 from {{ ref('int_subscriptions') }} as i where i.subscription_id = s.subscription_id)
