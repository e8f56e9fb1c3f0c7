-- Rows quarantined from the month's extracts, by rule and entity (SPEC §3).
select rule, entity, count(*) as quarantined_rows
from quarantine.rejected_rows
where extract_date between :month and :month_end
group by rule, entity
order by rule, entity
