-- bdtx schema. Every fact table carries province_code, so that the data of
-- one province stays together (and can be distributed by it later).

CREATE TABLE unit (
    province_code text NOT NULL,
    school_year   text NOT NULL,
    code          text NOT NULL,
    name          text NOT NULL,
    kind          text NOT NULL,
    parent_code   text,
    aliases       text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (province_code, school_year, code)
);

-- One row per file imported: an identical file (same SHA-256) is recognised
-- and skipped.
CREATE TABLE import (
    id            bigserial PRIMARY KEY,
    province_code text NOT NULL,
    school_year   text NOT NULL,
    file_name     text NOT NULL,
    sha256        text NOT NULL,
    source        text NOT NULL CHECK (source IN ('lms-learners', 'lms-units', 'temis-units', 'temis-people')),
    target        text CHECK (target IN ('gv', 'cbql')),
    module        text,
    as_of         date NOT NULL,
    rows          integer NOT NULL,
    rejected      integer NOT NULL,
    imported_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (province_code, sha256)
);
CREATE INDEX import_year_as_of ON import (province_code, school_year, as_of);

CREATE TABLE import_rejection (
    import_id  bigint NOT NULL REFERENCES import (id) ON DELETE CASCADE,
    row_number integer NOT NULL,
    col        text NOT NULL,
    reason     text NOT NULL
);
CREATE INDEX import_rejection_import ON import_rejection (import_id);

CREATE TABLE learner (
    id            bigserial PRIMARY KEY,
    province_code text NOT NULL,
    account       text NOT NULL,
    UNIQUE (province_code, account)
);

-- History of a learner's unit, role and name: a row only when one of them
-- changed (or the learner first appeared) at an import's as-of date.
CREATE TABLE learner_version (
    province_code text NOT NULL,
    school_year   text NOT NULL,
    learner_id    bigint NOT NULL REFERENCES learner (id),
    as_of         date NOT NULL,
    import_id     bigint NOT NULL REFERENCES import (id),
    unit_code     text NOT NULL,
    role          text CHECK (role IN ('gv', 'cbql')),
    full_name     text,
    PRIMARY KEY (province_code, school_year, learner_id, as_of)
);

-- History of a (learner, module) pair's state: 0 not started, 1 started but
-- not passed, 2 passed. A row only when the state changed.
CREATE TABLE progress_version (
    province_code text NOT NULL,
    school_year   text NOT NULL,
    learner_id    bigint NOT NULL REFERENCES learner (id),
    module        text NOT NULL,
    as_of         date NOT NULL,
    import_id     bigint NOT NULL REFERENCES import (id),
    state         smallint NOT NULL CHECK (state BETWEEN 0 AND 2),
    PRIMARY KEY (province_code, school_year, learner_id, module, as_of)
);

-- TEMIS per-unit counts, as imported (a few hundred rows a week).
CREATE TABLE temis_unit_count (
    province_code text NOT NULL,
    school_year   text NOT NULL,
    import_id     bigint NOT NULL REFERENCES import (id) ON DELETE CASCADE,
    unit_code     text NOT NULL,
    target        text NOT NULL CHECK (target IN ('gv', 'cbql')),
    total         integer NOT NULL CHECK (total >= 0),
    self_assessed integer NOT NULL CHECK (self_assessed >= 0),
    head_assessed integer CHECK (head_assessed >= 0),
    PRIMARY KEY (import_id, unit_code, target)
);
