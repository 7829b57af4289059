#include "bdtx/header.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bdtx/text.h"

/* The built-in header names, as officers' exports write them. Keys are
 * compared after text_key() (NFC, case folding, collapsed blanks). */
static const struct {
    enum field field;
    const char *name;
} builtin_headers[] = {
    {F_SEQ, "STT"}, {F_SEQ, "TT"}, {F_SEQ, "Số TT"}, {F_SEQ, "Số thứ tự"},
    {F_FULL_NAME, "Họ và tên"}, {F_FULL_NAME, "Họ tên"}, {F_FULL_NAME, "Họ và tên học viên"},
    {F_FULL_NAME, "Tên học viên"}, {F_FULL_NAME, "Họ và tên giáo viên"},
    {F_ACCOUNT, "Tài khoản"}, {F_ACCOUNT, "Tên đăng nhập"}, {F_ACCOUNT, "Tên tài khoản"},
    {F_ACCOUNT, "Username"}, {F_ACCOUNT, "Account"}, {F_ACCOUNT, "Tài khoản đăng nhập"},
    {F_MOET_ID, "Mã định danh"}, {F_MOET_ID, "Mã GV"}, {F_MOET_ID, "Mã định danh Bộ GD"},
    {F_MOET_ID, "Mã định danh BGD"}, {F_MOET_ID, "Mã CBGV"}, {F_MOET_ID, "Mã giáo viên"},
    {F_BIRTH_DATE, "Ngày sinh"}, {F_BIRTH_DATE, "Ngày tháng năm sinh"},
    {F_ROLE, "Đối tượng"}, {F_ROLE, "Chức danh"}, {F_ROLE, "Chức vụ"}, {F_ROLE, "Vai trò"},
    {F_ROLE, "Loại đối tượng"},
    {F_LEVEL, "Cấp học"}, {F_LEVEL, "Cấp"}, {F_LEVEL, "Bậc học"},
    {F_UNIT_NAME, "Đơn vị"}, {F_UNIT_NAME, "Trường"}, {F_UNIT_NAME, "Tên đơn vị"},
    {F_UNIT_NAME, "Tên trường"}, {F_UNIT_NAME, "Đơn vị công tác"}, {F_UNIT_NAME, "Nơi công tác"},
    {F_UNIT_CODE, "Mã đơn vị"}, {F_UNIT_CODE, "Mã trường"}, {F_UNIT_CODE, "Mã ĐV"},
    {F_PARENT, "Phòng GD&ĐT"}, {F_PARENT, "Phòng GD"}, {F_PARENT, "Phòng GDĐT"},
    {F_PARENT, "Phòng giáo dục"}, {F_PARENT, "Đơn vị quản lý"}, {F_PARENT, "Đơn vị cấp trên"},
    {F_PARENT, "Xã/phường"}, {F_PARENT, "UBND xã/phường"},
    {F_MODULE, "Mô đun"}, {F_MODULE, "Tên mô đun"}, {F_MODULE, "Module"}, {F_MODULE, "Mô-đun"},
    {F_MODULE, "Modun"}, {F_MODULE, "Khóa học"}, {F_MODULE, "Khoá học"}, {F_MODULE, "Tên khóa học"},
    {F_PROGRESS, "Tiến độ (%)"}, {F_PROGRESS, "Tiến độ"}, {F_PROGRESS, "Tiến độ học tập"},
    {F_PROGRESS, "% tiến độ"},
    {F_SCORE, "Điểm"}, {F_SCORE, "Điểm TB"}, {F_SCORE, "Điểm trung bình"}, {F_SCORE, "Điểm số"},
    {F_STATUS, "Trạng thái"}, {F_STATUS, "Tình trạng"}, {F_STATUS, "Trạng thái học tập"},
    {F_STATUS, "Trạng thái hoàn thành"},
    {F_RESULT, "Kết quả"}, {F_RESULT, "Kết quả đánh giá"},
    {F_COMPLETION_DATE, "Ngày hoàn thành"}, {F_COMPLETION_DATE, "Ngày HT"},
    {F_ASSIGNED, "Tổng số tham gia bồi dưỡng"}, {F_ASSIGNED, "Số phải học"},
    {F_ASSIGNED, "Phải học"}, {F_ASSIGNED, "Tổng số phải học"},
    {F_PASSED, "Tổng số hoàn thành mô đun"}, {F_PASSED, "Số hoàn thành"},
    {F_PASSED, "Hoàn thành"}, {F_PASSED, "Tổng số hoàn thành"},
    {F_PERCENT, "Tỷ lệ % hoàn thành"}, {F_PERCENT, "Tỷ lệ hoàn thành"}, {F_PERCENT, "Tỷ lệ"},
    {F_PERCENT, "Tỉ lệ"}, {F_PERCENT, "Tỷ lệ (%)"},
    /* TEMIS, one row per person. */
    {F_SELF_STATUS, "Tự đánh giá"}, {F_SELF_STATUS, "Trạng thái tự đánh giá"},
    {F_SELF_STATUS, "Tình trạng tự đánh giá"}, {F_SELF_STATUS, "GV tự đánh giá"},
    {F_SELF_STATUS, "Đã tự đánh giá"},
    {F_HEAD_STATUS, "Cấp trên đánh giá"}, {F_HEAD_STATUS, "Thủ trưởng đánh giá"},
    {F_HEAD_STATUS, "Trạng thái cấp trên đánh giá"}, {F_HEAD_STATUS, "Đánh giá của cấp trên"},
    {F_HEAD_STATUS, "Cơ sở giáo dục đánh giá"},
    {F_RATING, "Xếp loại"}, {F_RATING, "Xếp loại tự đánh giá"}, {F_RATING, "Mức xếp loại"},
    {F_RATING, "Kết quả tự đánh giá"},
};

/* Whole normalised statuses (never substrings: "Chưa hoàn thành" is not passed). */
static const struct {
    const char *name;
    enum state state;
} builtin_statuses[] = {
    {"Hoàn thành", STATE_PASSED}, {"Đã hoàn thành", STATE_PASSED}, {"Đạt", STATE_PASSED},
    {"Chưa học", STATE_NOT_STARTED}, {"Chưa bắt đầu", STATE_NOT_STARTED},
    {"Chưa tham gia", STATE_NOT_STARTED},
    {"Đang học", STATE_STARTED}, {"Chưa hoàn thành", STATE_STARTED},
    {"Chưa đạt", STATE_STARTED},
};

static const char *const field_names[F_COUNT] = {
    "seq", "full_name", "account", "moet_id", "birth_date", "role", "level",
    "unit_name", "unit_code", "parent", "module", "progress", "score", "status",
    "result", "completion_date", "total", "self_assessed", "head_assessed",
    "assigned", "passed", "percent", "self_status", "head_status", "rating",
};

const char *field_name(enum field f)
{
    return f < F_COUNT ? field_names[f] : "?";
}

static int field_by_name(const char *name)
{
    int i;

    for (i = 0; i < F_COUNT; i++)
        if (strcmp(field_names[i], name) == 0)
            return i;
    /* Names of SPEC section 2 that differ from ours. */
    if (strcmp(name, "unit") == 0)
        return F_UNIT_NAME;
    if (strcmp(name, "name") == 0)
        return F_FULL_NAME;
    return -1;
}

static int add_entry(struct vocab_entry **list, size_t *n, const char *name, int value,
                     bdtx_error *err)
{
    struct vocab_entry *grown = realloc(*list, (*n + 1) * sizeof *grown);
    char *key;

    if (!grown) {
        error_oom(err);
        return -1;
    }
    *list = grown;
    key = text_key(name);
    if (!key) {
        error_set(err, BDTX_CONFIG, "'%s' is not valid UTF-8", name);
        return -1;
    }
    grown[*n].key = key;
    grown[*n].value = value;
    (*n)++;
    return 0;
}

void vocab_release(struct vocab *v)
{
    size_t i;

    for (i = 0; i < v->nheaders; i++)
        free(v->headers[i].key);
    for (i = 0; i < v->nstatuses; i++)
        free(v->statuses[i].key);
    free(v->headers);
    free(v->statuses);
    memset(v, 0, sizeof *v);
}

int vocab_init(struct vocab *v, const struct config *cfg, bdtx_error *err)
{
    size_t i, j;

    memset(v, 0, sizeof *v);
    for (i = 0; i < sizeof builtin_headers / sizeof builtin_headers[0]; i++)
        if (add_entry(&v->headers, &v->nheaders, builtin_headers[i].name,
                      builtin_headers[i].field, err) != 0)
            goto fail;
    for (i = 0; i < sizeof builtin_statuses / sizeof builtin_statuses[0]; i++)
        if (add_entry(&v->statuses, &v->nstatuses, builtin_statuses[i].name,
                      builtin_statuses[i].state, err) != 0)
            goto fail;
    if (!cfg)
        return 0;
    for (i = 0; i < cfg->naliases; i++) {
        int f = field_by_name(cfg->aliases[i].field);

        if (f < 0) {
            char column[24];

            /* Reported where the field was written, as config_load reports. */
            snprintf(column, sizeof column, "%ld", cfg->aliases[i].column);
            error_set(err, BDTX_CONFIG, "sources.aliases: unknown field '%s'",
                      cfg->aliases[i].field);
            error_place(err, cfg->path, cfg->aliases[i].line,
                        cfg->aliases[i].column > 0 ? column : NULL);
            goto fail;
        }
        for (j = 0; j < cfg->aliases[i].names.count; j++)
            if (add_entry(&v->headers, &v->nheaders, cfg->aliases[i].names.items[j], f, err) != 0)
                goto fail;
    }
    for (j = 0; j < cfg->status_passed.count; j++)
        if (add_entry(&v->statuses, &v->nstatuses, cfg->status_passed.items[j],
                      STATE_PASSED, err) != 0)
            goto fail;
    for (j = 0; j < cfg->status_not_passed.count; j++)
        if (add_entry(&v->statuses, &v->nstatuses, cfg->status_not_passed.items[j],
                      STATE_STARTED, err) != 0)
            goto fail;
    return 0;
fail:
    vocab_release(v);
    return -1;
}

const char *header_builtin_name(enum field f, size_t i)
{
    size_t k;

    for (k = 0; k < sizeof builtin_headers / sizeof builtin_headers[0]; k++)
        if (builtin_headers[k].field == f && i-- == 0)
            return builtin_headers[k].name;
    return NULL;
}

int header_field(const struct vocab *v, const char *text)
{
    char *key = text_key(text);
    int found = -1;
    size_t i;

    if (!key || !*key) {
        free(key);
        return -1;
    }
    /* Configured aliases come after the built-in ones: the last match wins,
     * so configuration can redirect a built-in name. */
    for (i = 0; i < v->nheaders; i++)
        if (strcmp(v->headers[i].key, key) == 0)
            found = v->headers[i].value;
    /* TEMIS per-unit headers are long sentences ("Tổng số giáo viên hoàn
     * thành tự đánh giá"): recognised by their whole words. */
    if (found < 0 && text_starts_with_words(key, "tổng số")) {
        if (text_has_words(key, "tự đánh giá"))
            found = F_SELF_ASSESSED;
        else if (text_has_words(key, "thủ trưởng đánh giá") ||
                 text_has_words(key, "cấp trên đánh giá") ||
                 text_has_words(key, "được đánh giá"))
            found = F_HEAD_ASSESSED;
        else if (text_has_words(key, "tham gia bồi dưỡng") || text_has_words(key, "phải học"))
            found = F_ASSIGNED;
        else if (text_has_words(key, "hoàn thành"))
            found = F_PASSED;
        else
            found = F_TOTAL;
    }
    free(key);
    return found;
}

bool header_match(const struct vocab *v, const struct sheet_row *row, struct header_map *map)
{
    const long *c = map->col;
    size_t i;
    int known = 0;

    for (i = 0; i < F_COUNT; i++)
        map->col[i] = -1;
    map->kind = SOURCE_UNKNOWN;
    map->row_number = row->number;
    for (i = 0; i < row->ncells; i++) {
        int f;

        if (row->cells[i].numeric)
            continue;
        f = header_field(v, row->cells[i].text);
        if (f >= 0 && map->col[f] < 0) {
            map->col[f] = (long)i;
            known++;
        }
    }
    if (known < 2)
        return false;
    if (c[F_ACCOUNT] >= 0 && c[F_MODULE] >= 0 && (c[F_STATUS] >= 0 || c[F_RESULT] >= 0) &&
        (c[F_UNIT_CODE] >= 0 || c[F_UNIT_NAME] >= 0))
        map->kind = SOURCE_LMS_LEARNERS;
    else if ((c[F_UNIT_CODE] >= 0 || c[F_UNIT_NAME] >= 0) && c[F_TOTAL] >= 0 &&
             c[F_SELF_ASSESSED] >= 0)
        map->kind = SOURCE_TEMIS_UNITS;
    else if ((c[F_UNIT_CODE] >= 0 || c[F_UNIT_NAME] >= 0) && c[F_ASSIGNED] >= 0 &&
             c[F_PASSED] >= 0)
        map->kind = SOURCE_LMS_UNITS;
    else if ((c[F_ACCOUNT] >= 0 || c[F_MOET_ID] >= 0) &&
             (c[F_UNIT_CODE] >= 0 || c[F_UNIT_NAME] >= 0) && c[F_MODULE] < 0 &&
             (c[F_SELF_STATUS] >= 0 || c[F_RATING] >= 0))
        map->kind = SOURCE_TEMIS_PEOPLE;
    return map->kind != SOURCE_UNKNOWN;
}

int vocab_status(const struct vocab *v, const char *text)
{
    char *key = text_key(text);
    int found = -1;
    size_t i;

    if (!key)
        return -1;
    if (!*key) {
        free(key);
        return STATE_NOT_STARTED;
    }
    for (i = 0; i < v->nstatuses; i++)
        if (strcmp(v->statuses[i].key, key) == 0)
            found = v->statuses[i].value;
    free(key);
    return found;
}

int vocab_result(const char *text)
{
    char *key = text_key(text);
    int found = -1;

    if (!key)
        return -1;
    if (!*key || strcmp(key, "chưa đạt") == 0 || strcmp(key, "không đạt") == 0)
        found = 0;
    else if (strcmp(key, "đạt") == 0)
        found = 1;
    free(key);
    return found;
}

/* The words of a person's TEMIS cells, compared whole after text_key(). */
static const char *const ratings[] = {"tốt", "khá", "đạt", "chưa đạt"};
static const char *const assessed_done[] = {
    "đã đánh giá", "đã tự đánh giá", "hoàn thành", "đã hoàn thành", "đã nộp", "đã xếp loại",
};
static const char *const assessed_not[] = {
    "chưa đánh giá", "chưa tự đánh giá", "chưa hoàn thành", "chưa thực hiện", "chưa nộp",
    "chưa xếp loại",
};

static int word_index(const char *key, const char *const *list, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(key, list[i]) == 0)
            return (int)i;
    return -1;
}

int vocab_rating(const char *text)
{
    char *key = text_key(text);
    int found;

    if (!key)
        return -1;
    found = *key ? word_index(key, ratings, sizeof ratings / sizeof ratings[0]) : -1;
    found = !*key ? 0 : found >= 0 ? found + 1 : -1;
    free(key);
    return found;
}

int vocab_assessed(const char *text)
{
    char *key = text_key(text);
    int found = -1;

    if (!key)
        return -1;
    if (!*key || word_index(key, assessed_not, sizeof assessed_not / sizeof assessed_not[0]) >= 0)
        found = 0;
    else if (word_index(key, assessed_done, sizeof assessed_done / sizeof assessed_done[0]) >= 0 ||
             word_index(key, ratings, sizeof ratings / sizeof ratings[0]) >= 0)
        found = 1;
    free(key);
    return found;
}

enum role vocab_role(const char *text)
{
    char *key = text_key(text);
    enum role role = ROLE_UNKNOWN;

    if (!key)
        return ROLE_UNKNOWN;
    if (text_starts_with_words(key, "gv") || text_starts_with_words(key, "giáo viên"))
        role = ROLE_GV;
    else if (text_starts_with_words(key, "cbql") ||
             text_starts_with_words(key, "cán bộ quản lý"))
        role = ROLE_CBQL;
    free(key);
    return role;
}

static const char *const kind_names[] = {
    "unknown", "lms-learners", "lms-units", "temis-units", "temis-people",
};

const char *source_kind_name(enum source_kind kind)
{
    return kind_names[kind];
}

bool source_kind_parse(const char *name, enum source_kind *kind)
{
    size_t i;

    for (i = 1; i < sizeof kind_names / sizeof kind_names[0]; i++)
        if (strcmp(kind_names[i], name) == 0) {
            *kind = (enum source_kind)i;
            return true;
        }
    return false;
}
