-- The first and last extract date loaded (SPEC §1): no metric is known before the first, and a month
-- they do not enclose whole is known only in part. Reference data (exchange rates, whose first file
-- carries a year of history) is not data about customers, so it does not count.
select min(extract_date) as first_day, max(extract_date) as last_day
from raw.extract_files
where entity not like 'reference%'
