-- The text of the unit a rejected row named, when the registry does not
-- know it (NULL for every other rejection): the report lists the unknown
-- units from this column, not from the wording of the reason. Rows stored
-- before it get the text their reason quotes ("unknown unit code 'X'",
-- "unknown unit 'X'", "unknown unit 'X' under CODE NAME"), read exactly as
-- reports read it until now.
ALTER TABLE import_rejection ADD COLUMN unit_text text;

UPDATE import_rejection
   SET unit_text = coalesce(substring(reason FROM chr(39) || '(.*)' || chr(39)), '')
 WHERE reason LIKE 'unknown unit %';
