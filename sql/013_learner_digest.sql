-- What each learner looked like in the latest learners export of the year
-- that named them (account, unit, role, name and module states, as a 64-bit
-- digest), keyed by a 64-bit hash of the account: an import fetches it once
-- and sends to the merge only the learners whose digest changed.
-- import_digest.c computes both; rebuild empties it with the year's history.
CREATE TABLE learner_digest (
    province_code text   NOT NULL,
    school_year   text   NOT NULL,
    account_key   bigint NOT NULL,
    digest        bigint NOT NULL,
    PRIMARY KEY (province_code, school_year, account_key)
);
