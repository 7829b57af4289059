-- lms-units exports: a unit's aggregate for one module and one target, as
-- imported. Used for a unit with no learner rows for that module (SPEC
-- section 3, rule 3).
CREATE TABLE lms_unit_count (
    province_code text NOT NULL,
    school_year   text NOT NULL,
    import_id     bigint NOT NULL REFERENCES import (id) ON DELETE CASCADE,
    unit_code     text NOT NULL,
    module        text NOT NULL,
    target        text NOT NULL CHECK (target IN ('gv', 'cbql')),
    assigned      integer NOT NULL CHECK (assigned >= 0),
    passed        integer NOT NULL CHECK (passed >= 0 AND passed <= assigned),
    PRIMARY KEY (import_id, unit_code)
);
CREATE INDEX lms_unit_count_year ON lms_unit_count (province_code, school_year, module);
