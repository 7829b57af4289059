-- What an import met besides good and rejected rows, kept per import so the
-- report's Dữ liệu sheet can list it.

-- The same (account, module) more than once in one learners export: it is
-- counted once, with the most advanced state (the first row holding it is
-- kept). One row here per row that was not kept.
CREATE TABLE import_duplicate (
    import_id  bigint NOT NULL REFERENCES import (id) ON DELETE CASCADE,
    row_number integer NOT NULL,     -- the row not kept
    kept_row   integer NOT NULL,     -- the row whose state counts
    account    text NOT NULL,
    module     text NOT NULL,
    state      smallint NOT NULL,    -- of the row not kept
    kept_state smallint NOT NULL,
    PRIMARY KEY (import_id, row_number)
);

-- Cells converted on reading: text in a legacy Vietnamese encoding (TCVN3,
-- VNI) inside an otherwise UTF-8 file, counted per encoding.
CREATE TABLE import_conversion (
    import_id bigint NOT NULL REFERENCES import (id) ON DELETE CASCADE,
    encoding  text NOT NULL,
    cells     integer NOT NULL CHECK (cells > 0),
    PRIMARY KEY (import_id, encoding)
);

-- How the whole file was decoded: "utf-8", "utf-16", "windows-1258", "xlsx".
ALTER TABLE import ADD COLUMN file_encoding text;
