-- What the file system said about a file when it was imported: device,
-- inode, size, and modification and change times in nanoseconds. A later
-- import of the same path whose five values are all unchanged is the same
-- file, untouched since, and is skipped without reading it (a national
-- export is 715 MB: its SHA-256 alone takes more than a second). Any write
-- to the file, and any change of its times (touch, utime), sets its change
-- time to the clock, so a file edited and given back its old mtime still
-- differs here. NULL when the file was too young to trust its times (see
-- src/import.c); the SHA-256 stays the identity of the content.
ALTER TABLE import
    ADD COLUMN file_device   numeric(20, 0),
    ADD COLUMN file_inode    numeric(20, 0),
    ADD COLUMN file_size     bigint,
    ADD COLUMN file_mtime_ns numeric(30, 0),
    ADD COLUMN file_ctime_ns numeric(30, 0);

CREATE INDEX import_file_identity ON import (province_code, file_inode, file_size)
    WHERE file_inode IS NOT NULL;
