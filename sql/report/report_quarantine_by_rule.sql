-- Rows quarantined from each month's extracts, by rule and entity (SPEC §3).
select cast(date_trunc('month', extract_date) as date) as month, rule, entity, count(*) as quarantined_rows
from quarantine.rejected_rows
where extract_date between :first_day and :last_day
group by 1, rule, entity
order by 1, rule, entity
