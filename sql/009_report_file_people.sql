-- The province's people (SPEC rule 10) beside its pairs, for the download
-- page: learners with a module in force and those who completed every one.
-- NULL for a report written before: the page leaves them out until the
-- week is written again.
ALTER TABLE report_file ADD COLUMN learners bigint;
ALTER TABLE report_file ADD COLUMN learners_completed bigint;
