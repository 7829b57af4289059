/* The import's parts that need no database: what a file is (its title rows
 * and header, as-of date, target and module) and how its rows are read (the
 * unit a row names and the unit remembered from the row before, the wording
 * of rejections, totals rows, accounts, legacy text). Files are small CSVs
 * written here; the configuration and the unit registry are the fixture's. */

#include <sys/stat.h>
#include <utime.h>

#include "import_internal.h"
#include "test_util.h"

static struct config cfg;
static struct vocab vocab;
static struct import_options opts;
static char dir[64];

static int group_setup(void **state)
{
    bdtx_error err;

    (void)state;
    error_clear(&err);
    snprintf(dir, sizeof dir, "/tmp/bdtx-test-import-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    if (config_load(FIXTURE_DIR "/bdtx.yaml", &cfg, &err) != 0 ||
        vocab_init(&vocab, &cfg, &err) != 0) {
        fprintf(stderr, "%s\n", err.message);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    char cmd[128];

    (void)state;
    vocab_release(&vocab);
    config_release(&cfg);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* dir/name holding text; the path in a static buffer. */
static const char *write_file(const char *name, const char *text)
{
    static char path[256];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
    return path;
}

/* A context as import_file makes one, for path (not opened). */
static void ctx_init(struct import_ctx *c, const char *path)
{
    size_t i;

    memset(c, 0, sizeof *c);
    memset(&opts, 0, sizeof opts);
    c->cfg = &cfg;
    c->vocab = &vocab;
    c->opts = &opts;
    c->path = path;
    c->base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    c->year = &cfg.years[0];
    for (i = 0; i < F_COUNT; i++)
        c->map.col[i] = -1;
}

/* The context opened at its header; *header its row. */
static void ctx_open(struct import_ctx *c, const char *path, struct sheet_row *header)
{
    struct sheet_limits limits;
    bdtx_error err;

    ctx_init(c, path);
    error_clear(&err);
    config_sheet_limits(&cfg, &limits);
    if (import_open_at_header(c, &limits, header, &err) != 0)
        fail_msg("%s", err.message);
}

static void make_row(struct sheet_row *row, struct sheet_cell *cells, long number,
                     const char *const *texts, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        cells[i].text = texts[i];
        cells[i].len = strlen(texts[i]);
        cells[i].numeric = false;
        cells[i].uncached = false;
    }
    row->number = number;
    row->ncells = n;
    row->cells = cells;
}

static void assert_date(bdtx_date got, const char *want)
{
    char buf[11];

    date_format_iso(got, buf);
    assert_string_equal(buf, want);
}

struct date_case {
    const char *text;
    const char *want;          /* NULL: no date */
};

static void test_as_of_from_title(void **state)
{
    static const struct date_case cases[] = {
        {"Tính đến ngày 25/10/2020", "2020-10-25"},
        {"SỞ GDĐT | DANH SÁCH | TÍNH ĐẾN NGÀY: 04/10/2020.", "2020-10-04"},
        {"Kết quả (tính đến 2020-11-01)", "2020-11-01"},
        {"Tính đến ngày 31/02/2020", NULL},
        {"Danh sách học viên", NULL},
        {"", NULL},
    };
    size_t i;

    (void)state;
    for (i = 0; i < N(cases); i++) {
        bdtx_date d = 0;
        bool found = import_as_of_from_title(cases[i].text, &d);

        assert_int_equal(found, cases[i].want != NULL);
        if (cases[i].want)
            assert_date(d, cases[i].want);
    }
}

static void test_as_of_from_name(void **state)
{
    static const struct date_case cases[] = {
        {"lms-hoc-vien-20201004.csv", "2020-10-04"},
        {"lms_25102020.xlsx", "2020-10-25"},
        {"bao-cao-2020-11-08.xlsx", "2020-11-08"},
        {"temis-gv.xlsx", NULL},
        {"ma-12345678.csv", NULL},
        {"2020.csv", NULL},
    };
    size_t i;

    (void)state;
    for (i = 0; i < N(cases); i++) {
        bdtx_date d = 0;
        bool found = import_as_of_from_name(cases[i].text, &d);

        assert_int_equal(found, cases[i].want != NULL);
        if (cases[i].want)
            assert_date(d, cases[i].want);
    }
}

/* The title rows are every text above the header, joined by " | ", blank
 * rows left out; the header is found below them and the rows go on after it. */
static void test_title_rows_and_header(void **state)
{
    const char *path = write_file("titled.csv",
                                  "SỞ GIÁO DỤC VÀ ĐÀO TẠO,,\n"
                                  "Danh sách học viên,,Tính đến ngày 25/10/2020\n"
                                  ",,\n"
                                  "Tài khoản,Mã đơn vị,Mô đun,Trạng thái\n"
                                  "1,20178001,Mô đun 1,Đang học\n");
    struct import_ctx c;
    struct sheet_row header, row;
    bdtx_error err;

    (void)state;
    ctx_open(&c, path, &header);
    assert_string_equal(c.title, "SỞ GIÁO DỤC VÀ ĐÀO TẠO | Danh sách học viên | "
                                 "Tính đến ngày 25/10/2020");
    assert_int_equal(header.number, 4);
    assert_int_equal(c.map.row_number, 4);
    assert_int_equal(c.map.kind, SOURCE_LMS_LEARNERS);
    assert_int_equal(c.map.col[F_ACCOUNT], 0);
    assert_int_equal(c.map.col[F_UNIT_CODE], 1);
    error_clear(&err);
    assert_int_equal(import_next_row(&c, &row, &err), 1);
    assert_int_equal(row.number, 5);
    assert_string_equal(import_cell_text(&row, 1), "20178001");
    assert_string_equal(import_cell_text(&row, 9), "");
    assert_int_equal(import_next_row(&c, &row, &err), 0);
    import_ctx_release(&c);
}

/* A header on two rows: captions merged across sub-columns ("Đơn vị" over
 * "Mã đơn vị" | "Tên đơn vị") and merged down (STT, Tài khoản), read as
 * one row; the caption row is not a title row, and the data start below
 * the second row. */
static void test_two_row_header_long(void **state)
{
    const char *path = write_file("two-rows.csv",
                                  "Danh sách học viên,,,,,,,\n"
                                  "STT,Họ và tên,Tài khoản,Đơn vị,,Mô đun,Kết quả học tập,\n"
                                  ",,,Mã đơn vị,Tên đơn vị,,Trạng thái,Kết quả\n"
                                  "1,Lê Văn A,205125370,20178001,Trường X,Mô đun 1,Đang học,\n");
    struct import_ctx c;
    struct sheet_row header, row;
    bdtx_error err;

    (void)state;
    ctx_open(&c, path, &header);
    assert_string_equal(c.title, "Danh sách học viên");
    assert_int_equal(header.number, 3);
    assert_int_equal(c.map.row_number, 3);
    assert_int_equal(c.map.kind, SOURCE_LMS_LEARNERS);
    assert_int_equal(c.map.col[F_SEQ], 0);
    assert_int_equal(c.map.col[F_FULL_NAME], 1);
    assert_int_equal(c.map.col[F_ACCOUNT], 2);
    assert_int_equal(c.map.col[F_UNIT_CODE], 3);
    assert_int_equal(c.map.col[F_UNIT_NAME], 4);
    assert_int_equal(c.map.col[F_MODULE], 5);
    assert_int_equal(c.map.col[F_STATUS], 6);
    assert_int_equal(c.map.col[F_RESULT], 7);
    error_clear(&err);
    assert_int_equal(import_next_row(&c, &row, &err), 1);
    assert_int_equal(row.number, 4);
    assert_int_equal(import_next_row(&c, &row, &err), 0);
    import_ctx_release(&c);
}

/* The first row is a header alone; the second, sub-captions only, is part
 * of it and never a data row. */
static void test_two_row_header_first_alone(void **state)
{
    const char *path = write_file("two-rows-alone.csv",
                                  "Tài khoản,Mã đơn vị,Mô đun,Kết quả,\n"
                                  ",,,Trạng thái,Điểm\n"
                                  "205125370,20178001,Mô đun 1,Hoàn thành,8\n");
    struct import_ctx c;
    struct sheet_row header, row;
    bdtx_error err;

    (void)state;
    ctx_open(&c, path, &header);
    assert_int_equal(header.number, 2);
    assert_int_equal(c.map.col[F_STATUS], 3);
    assert_int_equal(c.map.col[F_SCORE], 4);
    assert_int_equal(c.map.col[F_RESULT], -1);
    error_clear(&err);
    assert_int_equal(import_next_row(&c, &row, &err), 1);
    assert_int_equal(row.number, 3);
    assert_string_equal(import_cell_text(&row, 0), "205125370");
    assert_int_equal(import_next_row(&c, &row, &err), 0);
    import_ctx_release(&c);
}

/* The wide layout on two rows: each module's caption over its status and
 * result sub-columns. */
static void test_two_row_header_wide(void **state)
{
    const char *path = write_file("two-rows-wide.csv",
                                  "STT,Tài khoản,Mã đơn vị,Mô đun 1,,Mô đun 2,\n"
                                  ",,,Trạng thái,Kết quả,Trạng thái,Kết quả\n"
                                  "1,205125370,20178001,Hoàn thành,Đạt,,\n");
    struct import_ctx c;
    struct sheet_row header, row;
    bdtx_error err;

    (void)state;
    ctx_open(&c, path, &header);
    assert_int_equal(header.number, 2);
    assert_int_equal(c.map.kind, SOURCE_LMS_LEARNERS);
    assert_int_equal(c.map.col[F_ACCOUNT], 1);
    assert_int_equal(c.map.col[F_STATUS], -1);
    assert_int_equal(c.wide.count, 2);
    assert_int_equal(c.wide.cols[0].col, 3);
    assert_int_equal(c.wide.cols[0].result_col, 4);
    assert_int_equal(c.wide.cols[1].col, 5);
    assert_int_equal(c.wide.cols[1].result_col, 6);
    error_clear(&err);
    assert_int_equal(import_next_row(&c, &row, &err), 1);
    assert_int_equal(row.number, 3);
    import_ctx_release(&c);
}

static void test_no_header(void **state)
{
    const char *path = write_file("plain.csv", "just some text\nwith no header\n");
    struct import_ctx c;
    struct sheet_row header;
    struct sheet_limits limits;
    bdtx_error err;

    (void)state;
    ctx_init(&c, path);
    error_clear(&err);
    config_sheet_limits(&cfg, &limits);
    assert_int_equal(import_open_at_header(&c, &limits, &header, &err), -1);
    assert_int_equal(err.code, BDTX_DATAERR);
    assert_string_equal(err.message, "no recognisable header in the first 40 rows");
    assert_string_equal(err.file, path);
    import_ctx_release(&c);
}

/* No header: the row that came closest is shown, with the field it lacks,
 * the cells not understood, the one that looks meant for the field, the
 * field's known names, and the alias that would take it. */
static void test_no_header_closest(void **state)
{
    char path[256], other[256];
    struct import_ctx c;
    struct sheet_row header;
    struct sheet_limits limits;
    bdtx_error err;

    (void)state;
    snprintf(path, sizeof path, "%s", write_file("closest.csv",
             "Danh sách,,,,,,\n"
             "STT,Họ và tên,Tài khoản,Mã đơn vị,Mô đun,Tình trạng học,Ghi chú\n"
             "1,Lê Văn A,205125370,20178001,Mô đun 1,Hoàn thành,\n"));
    snprintf(other, sizeof other, "%s", write_file("closest-units.csv",
             "Mã đơn vị,Số người,Số tự đánh giá\n20178001,10,5\n"));
    ctx_init(&c, path);
    error_clear(&err);
    config_sheet_limits(&cfg, &limits);
    assert_int_equal(import_open_at_header(&c, &limits, &header, &err), -1);
    assert_string_equal(err.message, "no recognisable header in the first 40 rows");
    assert_string_equal(err.detail,
                        "row 2 comes closest to a learners export (lms-learners), which lacks: "
                        "status or result; cells not understood: 6 \"Tình trạng học\", "
                        "7 \"Ghi chú\"; \"Tình trạng học\" is not a known name for status (known: "
                        "Trạng thái, Tình trạng, Trạng thái học tập, Trạng thái hoàn thành)");
    assert_string_equal(err.hint, "if \"Tình trạng học\" is the status column, add it to the "
                                  "configuration: sources: { aliases: { status: "
                                  "[\"Tình trạng học\"] } }");
    import_ctx_release(&c);

    ctx_init(&c, other);
    error_clear(&err);
    assert_int_equal(import_open_at_header(&c, &limits, &header, &err), -1);
    assert_string_equal(err.detail,
                        "row 1 comes closest to a TEMIS per-unit export (temis-units), which "
                        "lacks: total, self_assessed; cells not understood: 2 \"Số "
                        "người\", 3 \"Số tự đánh giá\"");
    assert_string_equal(err.hint, "name the columns as the export does, or add their names to "
                                  "the configuration under sources.aliases, e.g. sources: "
                                  "{ aliases: { status: [\"Tình trạng học\"] } }");
    import_ctx_release(&c);
}

/* The date bdtx run orders its inbox by is the one the import will read. */
static void test_peek_as_of(void **state)
{
    bdtx_date d = 0;
    const char *path;

    (void)state;
    /* The title rows first, then the name. */
    path = write_file("lms-20201101.csv", "Tính đến ngày 25/10/2020\n"
                                          "Tài khoản,Mã đơn vị,Mô đun,Trạng thái\n"
                                          "1,20178001,Mô đun 1,Đang học\n");
    assert_true(import_peek_as_of(&cfg, &vocab, path, &d));
    assert_date(d, "2020-10-25");
    path = write_file("lms-20201108.csv", "Tài khoản,Mã đơn vị,Mô đun,Trạng thái\n"
                                          "1,20178001,Mô đun 1,Đang học\n");
    assert_true(import_peek_as_of(&cfg, &vocab, path, &d));
    assert_date(d, "2020-11-08");
    path = write_file("lms.csv", "Tài khoản,Mã đơn vị,Mô đun,Trạng thái\n"
                                 "1,20178001,Mô đun 1,Đang học\n");
    assert_false(import_peek_as_of(&cfg, &vocab, path, &d));
    /* A title typed in TCVN3 is read as the import reads it, converted. */
    path = write_file("lms-tcvn3.csv", "T\xc3\x9dnh \xc2\xae\xc3\x95n ng\xc2\xb5y 18/10/2020\n"
                                       "Tài khoản,Mã đơn vị,Mô đun,Trạng thái\n"
                                       "1,20178001,Mô đun 1,Đang học\n");
    assert_true(import_peek_as_of(&cfg, &vocab, path, &d));
    assert_date(d, "2020-10-18");
    /* The header of the wide layout, one column per module, is found too. */
    path = write_file("wide.csv", "Tính đến ngày 11/10/2020\n"
                                  "Tài khoản,Mã đơn vị,Mô đun 1,Mô đun 2\n"
                                  "1,20178001,Hoàn thành,Đang học\n");
    assert_true(import_peek_as_of(&cfg, &vocab, path, &d));
    assert_date(d, "2020-10-11");
    /* No header the import would find: only the name can date it. */
    path = write_file("x-20201115.csv", "Tính đến ngày 25/10/2020\nno header here\n");
    assert_true(import_peek_as_of(&cfg, &vocab, path, &d));
    assert_date(d, "2020-11-15");
    assert_false(import_peek_as_of(&cfg, &vocab, "/nonexistent/lms.csv", &d));
}

static void test_decide_as_of(void **state)
{
    const char *path = write_file("undated.csv", "x\n");
    struct utimbuf times = {0, 0};
    struct import_ctx c;
    bdtx_error err;

    (void)state;
    error_clear(&err);
    ctx_init(&c, path);
    opts.has_as_of = true;
    opts.as_of = date_from_ymd(2020, 12, 6);
    snprintf(c.title, sizeof c.title, "Tính đến ngày 25/10/2020");
    assert_int_equal(import_decide_as_of(&c, &err), 0);
    assert_date(c.as_of, "2020-12-06");
    opts.has_as_of = false;
    assert_int_equal(import_decide_as_of(&c, &err), 0);
    assert_date(c.as_of, "2020-10-25");
    c.title[0] = '\0';
    c.base = "lms-20201004.csv";
    assert_int_equal(import_decide_as_of(&c, &err), 0);
    assert_date(c.as_of, "2020-10-04");
    /* Neither: the file's modification day. */
    c.base = "undated.csv";
    times.modtime = (time_t)date_from_ymd(2020, 11, 22) * 86400 + 3600;
    assert_int_equal(utime(path, &times), 0);
    assert_int_equal(import_decide_as_of(&c, &err), 0);
    assert_date(c.as_of, "2020-11-22");
    import_ctx_release(&c);
}

static void test_decide_target(void **state)
{
    static const char *const texts[] = {"Mã đơn vị", "Tổng số giáo viên",
                                        "Tổng số CBQL hoàn thành tự đánh giá"};
    struct sheet_cell cells[3];
    struct sheet_row header;
    struct import_ctx c;
    bdtx_error err;

    (void)state;
    error_clear(&err);
    make_row(&header, cells, 3, texts, 3);
    ctx_init(&c, "/in/temis.csv");
    /* The assessed column says CBQL, though the total says giáo viên. */
    c.map.col[F_SELF_ASSESSED] = 2;
    snprintf(c.title, sizeof c.title, "DANH SÁCH GIÁO VIÊN");
    assert_int_equal(import_decide_target(&c, &header, &err), 0);
    assert_int_equal(c.target, ROLE_CBQL);
    /* Then the title. */
    c.map.col[F_SELF_ASSESSED] = 0;
    assert_int_equal(import_decide_target(&c, &header, &err), 0);
    assert_int_equal(c.target, ROLE_GV);
    /* Then the file name, its parts read as words. */
    c.title[0] = '\0';
    c.base = "temis_cbql.xlsx";
    assert_int_equal(import_decide_target(&c, &header, &err), 0);
    assert_int_equal(c.target, ROLE_CBQL);
    /* --target before all. */
    opts.target = ROLE_GV;
    assert_int_equal(import_decide_target(&c, &header, &err), 0);
    assert_int_equal(c.target, ROLE_GV);
    opts.target = ROLE_UNKNOWN;
    c.base = "temis.xlsx";
    assert_int_equal(import_decide_target(&c, &header, &err), -1);
    assert_int_equal(err.code, BDTX_DATAERR);
    assert_string_equal(err.message, "cannot tell whether this file counts GV or CBQL");
    assert_int_equal(err.row, 3);
    assert_string_equal(err.hint, "add --target gv or --target cbql");
    import_ctx_release(&c);
}

static void test_decide_module(void **state)
{
    struct import_ctx c;
    bdtx_error err;

    (void)state;
    error_clear(&err);
    ctx_init(&c, "/in/ket-qua.xlsx");
    c.map.row_number = 6;
    snprintf(c.title, sizeof c.title, "KẾT QUẢ BỒI DƯỠNG MÔ ĐUN 2 | Tính đến 25/10/2020");
    assert_int_equal(import_decide_module(&c, &err), 0);
    assert_string_equal(c.module, "M2");
    /* The file name when the title names none. */
    c.title[0] = '\0';
    c.base = "ket-qua_MĐ1.xlsx";
    assert_int_equal(import_decide_module(&c, &err), 0);
    assert_string_equal(c.module, "M1");
    c.base = "ket-qua.xlsx";
    assert_int_equal(import_decide_module(&c, &err), -1);
    assert_int_equal(err.code, BDTX_DATAERR);
    assert_string_equal(err.message, "cannot tell which module this per-unit export counts");
    assert_int_equal(err.row, 6);
    assert_string_equal(err.hint, "add --module CODE (one of the modules of school year "
                                  "2020-2021)");
    snprintf(c.title, sizeof c.title, "Mô đun 1 và Mô đun 2");
    assert_int_equal(import_decide_module(&c, &err), -1);
    assert_string_equal(err.message, "the title rows or the file name name several modules");
    opts.module = "M2";
    assert_int_equal(import_decide_module(&c, &err), 0);
    assert_string_equal(c.module, "M2");
    import_ctx_release(&c);
}

/* A context at the header of a learners CSV with unit code, unit name and
 * parent columns (1-based CSV columns 2, 3 and 4), its registry loaded. */
static void units_ctx(struct import_ctx *c)
{
    const char *path = write_file("units.csv", "Tài khoản,Mã đơn vị,Đơn vị,Phòng GD&ĐT,Mô đun,"
                                               "Trạng thái\n");
    struct sheet_row header;
    bdtx_error err;

    ctx_open(c, path, &header);
    assert_int_equal(c->map.col[F_UNIT_CODE], 1);
    assert_int_equal(c->map.col[F_UNIT_NAME], 2);
    assert_int_equal(c->map.col[F_PARENT], 3);
    error_clear(&err);
    if (registry_read_file(c->year->units_path, &c->reg, &err) != 0)
        fail_msg("%s", err.message);
}

struct unit_case {
    const char *code, *name, *parent;
    const char *want;          /* the unit's code, or NULL: rejected */
    const char *column;        /* of the rejection */
    const char *reason;
    const char *unit_text;     /* stored with the rejection, or NULL */
};

static void test_unit_of(void **state)
{
    static const struct unit_case cases[] = {
        {"20178001", "", "", "20178001", NULL, NULL, NULL},
        {"20178001.0", "", "", "20178001", NULL, NULL, NULL},
        /* Three schools of the fixture have this name: the parent tells. */
        {"", "Trường Tiểu học Hưng Vũ", "", NULL, "3", "unit name 'Trường Tiểu học Hưng Vũ' "
         "matches several units: 20178001 Trường Tiểu học Hưng Vũ (under 20178); 20185187 "
         "Trường Tiểu học Hưng Vũ (under 20185); 20187233 Trường Tiểu học Hưng Vũ (under "
         "20187)", NULL},
        {"", "Trường Tiểu học Hưng Vũ", "20178", "20178001", NULL, NULL, NULL},
        {"99", "Trường Tiểu học Hưng Vũ", "", NULL, "2", "unknown unit code '99'", "99"},
        /* The province itself is not a unit a row counts in. */
        {"20", "", "", NULL, "2", "unknown unit code '20'", "20"},
        {"9\t9", "", "", NULL, "2", "unknown unit code '9?9'", "9?9"},
        {"", "Trường Không Có", "", NULL, "3", "unknown unit 'Trường Không Có'",
         "Trường Không Có"},
        {"", "Trường Không Có", "20178", NULL, "3", "unknown unit 'Trường Không Có' under "
         "20178 Phòng GDĐT Thành phố Lạng Sơn", "Trường Không Có"},
        {"", "", "", NULL, "2", "no unit", NULL},
        {"", "\xff", "", NULL, "3", "unit name is not valid UTF-8", NULL},
    };
    struct import_ctx c;
    size_t i;

    (void)state;
    units_ctx(&c);
    for (i = 0; i < N(cases); i++) {
        const char *texts[4] = {"1", cases[i].code, cases[i].name, cases[i].parent};
        struct sheet_cell cells[4];
        struct sheet_row row;
        size_t before = c.nrejections;
        bdtx_error err;
        long unit = -2;

        error_clear(&err);
        c.unit_memo_text[0] = '\0';
        make_row(&row, cells, (long)i + 2, texts, 4);
        if (import_unit_of(&c, &row, &unit, &err) != 0)
            fail_msg("case %zu: %s", i, err.message);
        if (cases[i].want) {
            if (c.nrejections != before)
                fail_msg("case %zu: %s", i, c.rejections[before].reason);
            assert_true(unit >= 0);
            assert_string_equal(c.reg.units[unit].code, cases[i].want);
            continue;
        }
        assert_int_equal(unit, -1);
        assert_int_equal(c.nrejections, before + 1);
        assert_int_equal(c.rejections[before].row, (long)i + 2);
        assert_string_equal(c.rejections[before].column, cases[i].column);
        assert_string_equal(c.rejections[before].reason, cases[i].reason);
        if (cases[i].unit_text)
            assert_string_equal(c.rejections[before].unit_text, cases[i].unit_text);
        else
            assert_null(c.rejections[before].unit_text);
    }
    import_ctx_release(&c);
}

/* A row with the code of the row before is given its unit without asking
 * the registry again; another code asks again. */
static void test_unit_cache(void **state)
{
    const char *first[2] = {"1", "20178001"}, *other[2] = {"2", "20178"};
    struct sheet_cell cells[2];
    struct sheet_row row;
    struct import_ctx c;
    bdtx_error err;
    long unit, hung_vu;

    (void)state;
    units_ctx(&c);
    error_clear(&err);
    make_row(&row, cells, 2, first, 2);
    assert_int_equal(import_unit_of(&c, &row, &unit, &err), 0);
    hung_vu = registry_find(&c.reg, "20178001");
    assert_int_equal(unit, hung_vu);
    assert_string_equal(c.unit_memo_text, "20178001");
    assert_int_equal(c.unit_memo, hung_vu);
    /* Proof the remembered unit is what the next row gets. */
    c.unit_memo = 7;
    assert_int_equal(import_unit_of(&c, &row, &unit, &err), 0);
    assert_int_equal(unit, 7);
    make_row(&row, cells, 3, other, 2);
    assert_int_equal(import_unit_of(&c, &row, &unit, &err), 0);
    assert_int_equal(unit, registry_find(&c.reg, "20178"));
    assert_string_equal(c.unit_memo_text, "20178");
    import_ctx_release(&c);
}

/* --strict: the first rejection rejects the file, with its place. */
static void test_reject_strict(void **state)
{
    struct import_ctx c;
    bdtx_error err;

    (void)state;
    units_ctx(&c);
    error_clear(&err);
    assert_int_equal(import_reject(&c, 7, 4, &err, "unknown status '%s'", "Đã xoá"), 0);
    assert_string_equal(c.rejections[0].column, "5");
    assert_string_equal(c.rejections[0].reason, "unknown status 'Đã xoá'");
    assert_int_equal(import_reject(&c, 8, -1, &err, "no account"), 0);
    assert_string_equal(c.rejections[1].column, "");
    opts.strict = true;
    assert_int_equal(import_reject(&c, 9, 1, &err, "unknown unit code '%s'", "99"), -1);
    assert_int_equal(err.code, BDTX_DATAERR);
    assert_string_equal(err.message,
                        "unknown unit code '99' (--strict: the whole file is rejected)");
    assert_int_equal(err.row, 9);
    assert_string_equal(err.column, "2");
    assert_int_equal(c.nrejections, 3);
    import_ctx_release(&c);
}

static void test_quote_value(void **state)
{
    char buf[128], long_text[200], want[128];
    size_t i;

    (void)state;
    import_quote_value("Đã xoá", buf, sizeof buf);
    assert_string_equal(buf, "Đã xoá");
    import_quote_value("a\tb\nc\rd\x1b[31me\x7f", buf, sizeof buf);
    assert_string_equal(buf, "a?b?c?d?[31me?");
    /* Cut at 80 bytes, never inside a character: "ạ" is 3 bytes, and the
     * 27th would end at byte 81. */
    long_text[0] = '\0';
    for (i = 0; i < 30; i++)
        strcat(long_text, "ạ");
    import_quote_value(long_text, buf, sizeof buf);
    want[0] = '\0';
    for (i = 0; i < 26; i++)
        strcat(want, "ạ");
    strcat(want, "...");
    assert_string_equal(buf, want);
    /* A small buffer cuts earlier, still whole characters. */
    import_quote_value("ạạạạ", buf, 10);
    assert_string_equal(buf, "ạ...");
}

static void test_totals_row(void **state)
{
    static const struct {
        const char *key, *first;
        bool totals;
    } cases[] = {
        {"", "Tổng cộng: 9908 lượt", true},
        {"", "CỘNG", true},
        {"", "Tổng", true},
        {"", "Tổng số: 12", true},
        {"", "Total", true},
        {"", "Trường Tiểu học Hưng Vũ", false},
        {"205125370", "Tổng cộng", false},
    };
    size_t i;

    (void)state;
    for (i = 0; i < N(cases); i++) {
        const char *texts[3] = {"", cases[i].first, cases[i].key};
        struct sheet_cell cells[3];
        struct sheet_row row;

        make_row(&row, cells, 10, texts, 3);
        assert_int_equal(import_is_totals_row(&row, 2), cases[i].totals);
    }
    {
        /* A number before the text is not the text that says so. */
        const char *texts[3] = {"9908", "Tổng cộng", ""};
        struct sheet_cell cells[3];
        struct sheet_row row;

        make_row(&row, cells, 10, texts, 3);
        cells[0].numeric = true;
        assert_true(import_is_totals_row(&row, 2));
        cells[0].numeric = false;
        assert_false(import_is_totals_row(&row, 2));
    }
}

static void test_account_of(void **state)
{
    char buf[256], long_text[300];

    (void)state;
    assert_int_equal(import_account_of("205125370.0", buf, sizeof buf), 0);
    assert_string_equal(buf, "205125370");
    assert_int_equal(import_account_of("  ", buf, sizeof buf), 0);
    assert_string_equal(buf, "");
    assert_int_equal(import_account_of("A\xcc\x80", buf, sizeof buf), 0);
    assert_string_equal(buf, "\xc3\x80");
    memset(long_text, 'a', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    assert_int_equal(import_account_of(long_text, buf, sizeof buf), -1);
    assert_string_equal(buf, "?");
}

/* Legacy text is converted and counted; the rest is handed on as read. */
static void test_next_row_legacy(void **state)
{
    const char *path = write_file("legacy.csv",
                                  "Tài khoản,Mã đơn vị,Mô đun,Trạng thái\n"
                                  "1,20178001,Mô đun 1,Ho\xc2\xb5n th\xc2\xb5nh\n"
                                  "2,20178001,Mô đun 1,Hoàn thành\n");
    struct import_ctx c;
    struct sheet_row header, row;
    bdtx_error err;

    (void)state;
    ctx_open(&c, path, &header);
    error_clear(&err);
    assert_int_equal(import_next_row(&c, &row, &err), 1);
    assert_string_equal(import_cell_text(&row, 3), "Hoàn thành");
    assert_int_equal(row.cells[3].len, strlen("Hoàn thành"));
    assert_string_equal(import_cell_text(&row, 2), "Mô đun 1");
    assert_int_equal(import_status_of(&c, import_cell_text(&row, 3)), STATE_PASSED);
    assert_int_equal(import_next_row(&c, &row, &err), 1);
    assert_string_equal(import_cell_text(&row, 3), "Hoàn thành");
    assert_int_equal(c.conversions[LEGACY_TCVN3], 1);
    assert_int_equal(c.conversions[LEGACY_VNI], 0);
    /* The same status twice is looked up once. */
    assert_int_equal(import_status_of(&c, import_cell_text(&row, 3)), STATE_PASSED);
    assert_int_equal(c.memo[MEMO_STATUS].used, 1);
    import_ctx_release(&c);
}

static void test_lookups(void **state)
{
    struct import_ctx c;
    bdtx_error err;

    (void)state;
    ctx_init(&c, "/in/x.csv");
    error_clear(&err);
    assert_int_equal(import_module_keys_init(&c, &err), 0);
    assert_string_equal(import_module_of(&c, "Mô đun 1"), "M1");
    assert_string_equal(import_module_of(&c, "  module 2 "), "M2");
    assert_null(import_module_of(&c, "Mô đun 7"));
    assert_null(import_module_of(&c, "Mô đun 7"));
    assert_int_equal(import_status_of(&c, "Đang học"), STATE_STARTED);
    assert_int_equal(import_status_of(&c, "Đã xoá"), -1);
    assert_int_equal(import_result_of(&c, "Đạt"), 1);
    assert_int_equal(import_role_of(&c, "Giáo viên"), ROLE_GV);
    assert_int_equal(import_role_of(&c, "CBQL"), ROLE_CBQL);
    assert_string_equal(import_role_text(ROLE_GV), "gv");
    assert_string_equal(import_role_text(ROLE_CBQL), "cbql");
    assert_null(import_role_text(ROLE_UNKNOWN));
    import_ctx_release(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_as_of_from_title),
        cmocka_unit_test(test_as_of_from_name),
        cmocka_unit_test(test_title_rows_and_header),
        cmocka_unit_test(test_two_row_header_long),
        cmocka_unit_test(test_two_row_header_first_alone),
        cmocka_unit_test(test_two_row_header_wide),
        cmocka_unit_test(test_no_header),
        cmocka_unit_test(test_no_header_closest),
        cmocka_unit_test(test_peek_as_of),
        cmocka_unit_test(test_decide_as_of),
        cmocka_unit_test(test_decide_target),
        cmocka_unit_test(test_decide_module),
        cmocka_unit_test(test_unit_of),
        cmocka_unit_test(test_unit_cache),
        cmocka_unit_test(test_reject_strict),
        cmocka_unit_test(test_quote_value),
        cmocka_unit_test(test_totals_row),
        cmocka_unit_test(test_account_of),
        cmocka_unit_test(test_next_row_legacy),
        cmocka_unit_test(test_lookups),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
