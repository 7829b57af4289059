/* Recognising an export: its header row among the title rows, the field of
 * each column (through normalised aliases, built in and from configuration),
 * its source kind, and the vocabularies of statuses and roles. */
#ifndef BDTX_HEADER_H
#define BDTX_HEADER_H

#include <stdbool.h>

#include "bdtx/config.h"
#include "bdtx/error.h"
#include "bdtx/sheet.h"

enum field {
    F_SEQ, F_FULL_NAME, F_ACCOUNT, F_MOET_ID, F_BIRTH_DATE, F_ROLE, F_LEVEL,
    F_UNIT_NAME, F_UNIT_CODE, F_PARENT, F_MODULE, F_PROGRESS, F_SCORE, F_STATUS,
    F_RESULT, F_COMPLETION_DATE, F_TOTAL, F_SELF_ASSESSED, F_HEAD_ASSESSED,
    F_ASSIGNED, F_PASSED, F_PERCENT, F_SELF_STATUS, F_HEAD_STATUS, F_RATING,
    F_COUNT
};

enum source_kind {
    SOURCE_UNKNOWN, SOURCE_LMS_LEARNERS, SOURCE_LMS_UNITS, SOURCE_TEMIS_UNITS,
    SOURCE_TEMIS_PEOPLE
};

enum role { ROLE_UNKNOWN, ROLE_GV, ROLE_CBQL };

/* State of a (learner, module) pair. */
enum state { STATE_NOT_STARTED = 0, STATE_STARTED = 1, STATE_PASSED = 2 };

/* How many rows from the top the header may be found in (SPEC section 2). */
#define HEADER_SEARCH_ROWS 40

struct header_map {
    long col[F_COUNT];          /* 0-based column of each field, -1 if absent */
    long row_number;
    enum source_kind kind;
};

struct vocab_entry {
    char *key;                  /* text_key() of the name */
    int value;
};

struct vocab {
    struct vocab_entry *headers;    /* value: enum field */
    size_t nheaders;
    struct vocab_entry *statuses;   /* value: enum state */
    size_t nstatuses;
};

/* Built-in vocabulary extended by cfg->aliases and cfg->status_* (cfg may be NULL). */
int vocab_init(struct vocab *v, const struct config *cfg, bdtx_error *err);
void vocab_release(struct vocab *v);

/* True when row is a header of a known source kind; fills map. */
bool header_match(const struct vocab *v, const struct sheet_row *row, struct header_map *map);
/* The field a header cell names, or -1. */
int header_field(const struct vocab *v, const char *text);
/* The i-th built-in header name of field f (0, 1, ...), NULL past the last. */
const char *header_builtin_name(enum field f, size_t i);

/* Status text -> enum state; -1 when not in the vocabulary. Empty is not started. */
int vocab_status(const struct vocab *v, const char *text);
/* Result column: 1 passed ("Đạt"), 0 not passed or empty, -1 unknown. */
int vocab_result(const char *text);
/* A TEMIS assessment cell of a person (self or head): 1 done (a done
 * status or a rating Tốt/Khá/Đạt/Chưa đạt), 0 not done or empty, -1 unknown. */
int vocab_assessed(const char *text);
/* A TEMIS rating: 0 empty, 1 Tốt, 2 Khá, 3 Đạt, 4 Chưa đạt, -1 unknown. */
int vocab_rating(const char *text);
/* Role column: GV..., Giáo viên..., CBQL..., Cán bộ quản lý... */
enum role vocab_role(const char *text);

const char *source_kind_name(enum source_kind kind);
bool source_kind_parse(const char *name, enum source_kind *kind);
const char *field_name(enum field f);

#endif
