/* Reading exports: CSV in its encodings and dialects, XLSX built here with
 * libzip to exercise one feature at a time, and the real fixture files. */
#include <iconv.h>
#include <zip.h>

#include "bdtx/sheet.h"
#include "test_util.h"

#define BYTES(s) (s), (sizeof(s) - 1)
#define MAX_WANT_CELLS 32

static char tmpdir[64];

/* A row as it should come out of sheet_next. NULL cells read as "";
 * bit i of numeric says cells[i] is an XLSX number. */
struct want_row {
    long number;
    size_t ncells;
    const char *cells[MAX_WANT_CELLS];
    uint32_t numeric;
};

/* A want_row cell that is a formula saved without its value (text ""). */
#define UNCACHED "\x01uncached"

static int group_setup(void **state)
{
    (void)state;
    temp_dir_make(tmpdir, sizeof tmpdir, "sheet");
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    return temp_dir_remove(tmpdir);
}

/* Read path to the end and compare every row with want. */
static void check_rows(const char *path, const struct sheet_limits *limits,
                       const struct want_row *want, size_t nwant)
{
    struct sheet_reader *r = NULL;
    struct sheet_row row;
    bdtx_error err;
    size_t i, c;
    int rc;

    error_clear(&err);
    require_ok(sheet_open(path, limits, &r, &err), &err, path);
    for (i = 0; i < nwant; i++) {
        rc = sheet_next(r, &row, &err);
        if (rc != 1)
            fail_msg("%s: row %zu: rc %d: %s (row %ld)", path, i, rc, err.message, err.row);
        assert_int_equal(row.number, want[i].number);
        assert_int_equal(row.ncells, want[i].ncells);
        for (c = 0; c < row.ncells; c++) {
            const char *w = want[i].cells[c] ? want[i].cells[c] : "";
            bool uncached = strcmp(w, UNCACHED) == 0;

            if (uncached)
                w = "";
            assert_string_equal(row.cells[c].text, w);
            assert_int_equal(row.cells[c].len, strlen(w));
            assert_int_equal(row.cells[c].numeric, (want[i].numeric >> c) & 1);
            assert_int_equal(row.cells[c].uncached, uncached);
        }
    }
    rc = sheet_next(r, &row, &err);
    if (rc != 0)
        fail_msg("%s: expected the end, rc %d, row %ld", path, rc, rc == 1 ? row.number : 0L);
    sheet_close(r);
}

/* Open and read path until it fails; the failure must be message at
 * row/column, after exactly rows_before good rows. */
static void check_error(const char *path, const struct sheet_limits *limits,
                        long rows_before, const char *message, long row, const char *column)
{
    struct sheet_reader *r = NULL;
    struct sheet_row got;
    bdtx_error err;
    long n = 0;
    int rc;

    error_clear(&err);
    rc = sheet_open(path, limits, &r, &err);
    if (rc == 0) {
        while ((rc = sheet_next(r, &got, &err)) == 1)
            n++;
        sheet_close(r);
    } else {
        assert_null(r);
    }
    if (rc != -1)
        fail_msg("%s: no error, expected \"%s\"", path, message);
    assert_int_equal(n, rows_before);
    assert_int_equal(err.code, BDTX_DATAERR);
    assert_string_equal(err.file, path);
    assert_string_equal(err.message, message);
    assert_int_equal(err.row, row);
    assert_string_equal(err.column, column);
}

/* UTF-8 text as UTF-16 with its byte order mark; caller frees. */
static char *utf16_with_bom(const char *utf8, bool little, size_t *len)
{
    size_t inleft = strlen(utf8), cap = 2 + 4 * inleft + 4, outleft = cap - 2;
    char *out = malloc(cap), *in = (char *)utf8, *o;
    iconv_t cd = iconv_open(little ? "UTF-16LE" : "UTF-16BE", "UTF-8");

    assert_non_null(out);
    assert_true(cd != (iconv_t)-1);
    out[0] = little ? '\xFF' : '\xFE';
    out[1] = little ? '\xFE' : '\xFF';
    o = out + 2;
    assert_int_not_equal(iconv(cd, &in, &inleft, &o, &outleft), (size_t)-1);
    iconv_close(cd);
    *len = (size_t)(o - out);
    return out;
}

struct csv_case {
    const char *name;
    const char *data;
    size_t len;
    struct want_row rows[6];
    size_t nrows;
};

static const struct csv_case csv_cases[] = {
    { "bom.csv", BYTES("\xEF\xBB\xBFSTT,H\xE1\xBB\x8D v\xC3\xA0 t\xC3\xAAn\r\n1,Nguy\xE1\xBB\x85n An\r\n"),
      { { 1, 2, { "STT", "Họ và tên" }, 0 }, { 2, 2, { "1", "Nguyễn An" }, 0 } }, 2 },
    { "no-bom.csv", BYTES("account,status\n205125370,Hoàn thành\n"),
      { { 1, 2, { "account", "status" }, 0 }, { 2, 2, { "205125370", "Hoàn thành" }, 0 } }, 2 },
    /* The decimal comma must not make ',' look like the delimiter. */
    { "semicolon.csv", BYTES("TT;Tên;Điểm\n1;An;8,5\n2;Bình;7\n3;Chi;6,25\n"),
      { { 1, 3, { "TT", "Tên", "Điểm" }, 0 }, { 2, 3, { "1", "An", "8,5" }, 0 },
        { 3, 3, { "2", "Bình", "7" }, 0 }, { 4, 3, { "3", "Chi", "6,25" }, 0 } }, 4 },
    { "tab.csv", BYTES("a\tb, c\tc;d\n1\t2\t3\n"),
      { { 1, 3, { "a", "b, c", "c;d" }, 0 }, { 2, 3, { "1", "2", "3" }, 0 } }, 2 },
    { "quoted.csv",
      BYTES("name,note,quote\n\"Trường A, B\",\"line 1\nline 2\",\"say \"\"hi\"\"\"\nx,\"\",\"\"\"\"\n"),
      { { 1, 3, { "name", "note", "quote" }, 0 },
        { 2, 3, { "Trường A, B", "line 1\nline 2", "say \"hi\"" }, 0 },
        { 4, 3, { "x", "", "\"" }, 0 } }, 3 },
    /* Empty lines and rows of empty fields are skipped; numbers keep
     * counting physical lines. */
    { "crlf.csv", BYTES("a,b\r\n\r\n,\r\n\"c\r\nd\",e\r\nf,g"),
      { { 1, 2, { "a", "b" }, 0 }, { 4, 2, { "c\r\nd", "e" }, 0 }, { 6, 2, { "f", "g" }, 0 } }, 3 },
    { "title-rows.csv",
      BYTES("SỞ GIÁO DỤC VÀ ĐÀO TẠO\nTính đến ngày 04/10/2020\n\n"
            "STT,Tài khoản,Trạng thái\n1,205125370,Hoàn thành\n2,205125371,Chưa học\n"),
      { { 1, 1, { "SỞ GIÁO DỤC VÀ ĐÀO TẠO" }, 0 }, { 2, 1, { "Tính đến ngày 04/10/2020" }, 0 },
        { 4, 3, { "STT", "Tài khoản", "Trạng thái" }, 0 },
        { 5, 3, { "1", "205125370", "Hoàn thành" }, 0 },
        { 6, 3, { "2", "205125371", "Chưa học" }, 0 } }, 5 },
    /* A comma in the title and in the decimals; ';' is the steady one. */
    { "title-semicolon.csv", BYTES("Báo cáo, tuần 3\nSTT;Tên;Điểm\n1;A;8,5\n2;B;7\n"),
      { { 1, 1, { "Báo cáo, tuần 3" }, 0 }, { 2, 3, { "STT", "Tên", "Điểm" }, 0 },
        { 3, 3, { "1", "A", "8,5" }, 0 }, { 4, 3, { "2", "B", "7" }, 0 } }, 4 },
    /* Both counts are steady: the delimiter giving more fields wins. */
    { "tie.csv", BYTES("a;b;c,5\n1;2;3,5\n"),
      { { 1, 3, { "a", "b", "c,5" }, 0 }, { 2, 3, { "1", "2", "3,5" }, 0 } }, 2 },
    /* Excel pads short rows with delimiters: trailing empty cells are cut. */
    { "trailing.csv", BYTES("a,b,,\n,x,,\n"),
      { { 1, 2, { "a", "b" }, 0 }, { 2, 2, { "", "x" }, 0 } }, 2 },
    /* Lenient: text after a closing quote is kept, a quote inside an
     * unquoted field is an ordinary character. */
    { "lenient.csv", BYTES("\"ab\"c,d\"e\n"), { { 1, 2, { "abc", "d\"e" }, 0 } }, 1 },
    { "single-column.csv", BYTES("account\n205125370\n"),
      { { 1, 1, { "account" }, 0 }, { 2, 1, { "205125370" }, 0 } }, 2 },
    { "empty.csv", BYTES(""), { { 0, 0, { NULL }, 0 } }, 0 },
    /* Excel's "sep=" line names the delimiter (here against the commas of
     * the counts) and is not a row; the lines keep their numbers. */
    { "sep-line.csv", BYTES("sep=;\r\nTên;Số\r\nA,B;1,5\r\nC,D;2,5\r\n"),
      { { 2, 2, { "Tên", "Số" }, 0 }, { 3, 2, { "A,B", "1,5" }, 0 },
        { 4, 2, { "C,D", "2,5" }, 0 } }, 3 },
    { "sep-line-tab.csv", BYTES("\xEF\xBB\xBFSEP=\t\na\tb,c\n"),
      { { 2, 2, { "a", "b,c" }, 0 } }, 1 },
    /* Only a line of its own: "sep=;x" is a row like any other. */
    { "sep-not-alone.csv", BYTES("sep=;x\na;b\n"),
      { { 1, 2, { "sep=", "x" }, 0 }, { 2, 2, { "a", "b" }, 0 } }, 2 },
    /* Windows-1258 (no BOM, no UTF-8): ư 0xFD, ơ 0xF5 and the tones as
     * combining marks (grave 0xCC, dot below 0xF2), Đ 0xD0; read as NFC,
     * the last letter of the file included. */
    { "cp1258.csv", BYTES("Tr\xFD\xF5\xCCng,\xD0" "a\xF2t\nHo\xE0n th\xE0nh,Ch\xFD" "a ho\xF2" "c"),
      { { 1, 2, { "Trường", "Đạt" }, 0 }, { 2, 2, { "Hoàn thành", "Chưa học" }, 0 } }, 2 },
};

static void test_csv_dialects(void **state)
{
    char path[512];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof csv_cases / sizeof csv_cases[0]; i++) {
        temp_path(path, sizeof path, tmpdir, csv_cases[i].name);
        file_write(path, csv_cases[i].data, csv_cases[i].len);
        check_rows(path, NULL, csv_cases[i].rows, csv_cases[i].nrows);
    }
}

static void test_csv_utf16(void **state)
{
    static const char text[] = "STT;Họ tên;Trạng thái\r\n1;\"Đỗ 𝐀\";Đạt\r\n";
    static const struct want_row want[] = {
        { 1, 3, { "STT", "Họ tên", "Trạng thái" }, 0 },
        { 2, 3, { "1", "Đỗ 𝐀", "Đạt" }, 0 },
    };
    char path[512];
    size_t len;
    char *data;
    int le;

    (void)state;
    for (le = 0; le <= 1; le++) {
        data = utf16_with_bom(text, le, &len);
        temp_path(path, sizeof path, tmpdir, le ? "utf16le.csv" : "utf16be.csv");
        file_write(path, data, len);
        free(data);
        check_rows(path, NULL, want, 2);
    }
}

/* Records, quoted newlines, CRLF pairs and UTF-16 characters straddling the
 * 64 KiB read chunks. */
static void test_csv_chunks(void **state)
{
    const size_t n = 6000;
    size_t cap = n * 64, len = 0, i, got = 0, i16;
    char *text = malloc(cap), *data;
    char path[512], want[64];
    struct sheet_reader *r = NULL;
    struct sheet_row row;
    bdtx_error err;
    int pass;

    (void)state;
    assert_non_null(text);
    for (i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, cap - len, "%zu,\"Lạng\r\nSơn\",\"q\"\"%zu\"\r\n", i, i);
    for (pass = 0; pass < 2; pass++) {
        if (pass == 0) {
            temp_path(path, sizeof path, tmpdir, "chunks.csv");
            file_write(path, text, len);
        } else {
            data = utf16_with_bom(text, true, &i16);
            temp_path(path, sizeof path, tmpdir, "chunks16.csv");
            file_write(path, data, i16);
            free(data);
        }
        error_clear(&err);
        assert_int_equal(sheet_open(path, NULL, &r, &err), 0);
        for (got = 0; sheet_next(r, &row, &err) == 1; got++) {
            snprintf(want, sizeof want, "%zu", got);
            assert_int_equal(row.number, (long)(2 * got + 1));
            assert_int_equal(row.ncells, 3);
            assert_string_equal(row.cells[0].text, want);
            assert_string_equal(row.cells[1].text, "Lạng\r\nSơn");
            snprintf(want, sizeof want, "q\"%zu", got);
            assert_string_equal(row.cells[2].text, want);
        }
        assert_int_equal(err.code, 0);
        assert_int_equal(got, n);
        sheet_close(r);
    }
    free(text);
}

/* The read chunk is 64 KiB: a CRLF cut between two reads, and a UTF-16
 * surrogate pair cut between two reads, at known offsets. */
static void test_csv_boundaries(void **state)
{
    const size_t chunk = 64 * 1024;
    const struct sheet_limits wide = { .max_cell_chars = 100000 };
    const size_t units = (chunk - 2) / 2 - 1;  /* UTF-16 units before the pair */
    char *data = malloc(2 * chunk + 16), *cell = malloc(chunk + 8), path[512];
    struct want_row want[2] = { { 1, 1, { NULL }, 0 }, { 2, 1, { "b" }, 0 } };
    size_t i, len = 0;

    (void)state;
    assert_non_null(data);
    assert_non_null(cell);
    /* CR is the last byte of the first read, its LF the first of the next. */
    memset(data, 'x', chunk - 1);
    memcpy(data + chunk - 1, "\r\nb\r\n", 5);
    memset(cell, 'x', chunk - 1);
    cell[chunk - 1] = '\0';
    want[0].cells[0] = cell;
    temp_path(path, sizeof path, tmpdir, "cr-boundary.csv");
    file_write(path, data, chunk + 4);
    check_rows(path, &wide, want, 2);

    /* UTF-16LE: BOM, 'a' units, then U+1D400 as a pair whose halves land
     * in different reads. */
    data[len++] = '\xFF';
    data[len++] = '\xFE';
    for (i = 0; i < units; i++) {
        data[len++] = 'a';
        data[len++] = '\0';
    }
    assert_int_equal(len, chunk - 2);
    memcpy(data + len, "\x35\xD8\x00\xDC\n\0b\0\n\0", 10);
    len += 10;
    memset(cell, 'a', units);
    memcpy(cell + units, "\xF0\x9D\x90\x80", 5);
    temp_path(path, sizeof path, tmpdir, "pair-boundary.csv");
    file_write(path, data, len);
    check_rows(path, &wide, want, 2);
    free(data);
    free(cell);
}

struct error_case {
    const char *name;
    const char *data;
    size_t len;
    struct sheet_limits limits;
    long rows_before;
    const char *message;
    long row;
    const char *column;
};

static const struct error_case csv_errors[] = {
    { "unclosed.csv", BYTES("a,b\n1,\"open\n2,3\n4,5\n"), { 0 }, 1,
      "quote opened here is never closed", 2, "2" },
    /* UTF-8 elsewhere in the sample: a bad byte is an error, not another
     * encoding (a file with no UTF-8 at all is read as Windows-1258). */
    { "bad-utf8.csv", BYTES("a,b\n1,Hà\n3,caf\xC3\x28\n"), { 0 }, 2, "invalid UTF-8 text", 3,
      "2" },
    { "latin1.csv", BYTES("Tr\xF6\xF6ng,Hà\n"), { 0 }, 0, "invalid UTF-8 text", 1, "1" },
    { "binary.csv", BYTES("\x01\x02\x00\x00\x03"), { 0 }, 0, "not a CSV, XLSX or XLS file", 0, "" },
    { "old.xls", BYTES("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0"), { 0 }, 0,
      "corrupt XLS: the file is truncated (no complete OLE2 header)", 0, "" },
    { "odd-utf16.csv", BYTES("\xFF\xFE" "a\0,\0b\0\n"), { 0 }, 0,
      "UTF-16 text ends in the middle of a character", 1, "" },
    { "long-cell.csv", BYTES("abc,0123456789\n"), { .max_cell_chars = 8 }, 0,
      "cell longer than 8 characters (limits.max_cell_chars)", 1, "2" },
    /* Characters, not bytes: nine of them in 18 bytes is one too many, eight is fine. */
    { "long-cell-vi.csv", BYTES("ưưưưưưưư,x\nưưưưưưưưư\n"), { .max_cell_chars = 8 }, 1,
      "cell longer than 8 characters (limits.max_cell_chars)", 2, "1" },
    /* A quoted cell is built in pieces, its doubled quotes apart: nine
     * characters in all, the limit passed in the third piece. */
    { "long-cell-quoted.csv", BYTES("x\n\"\xc6\xb0\xc6\xb0\"\"\xc6\xb0\xc6\xb0\xc6\xb0\xc6\xb0\"\"\xc6\xb0\"\n"),
      { .max_cell_chars = 8 }, 1, "cell longer than 8 characters (limits.max_cell_chars)", 2, "1" },
    { "many-rows.csv", BYTES("a\n1\n2\n3\n"), { .max_rows = 3 }, 3,
      "more than 3 rows (limits.max_rows)", 4, "" },
    { "wide-row.csv", BYTES("a,b,c\n1,2,3,4\n"), { .max_cells_per_row = 3 }, 1,
      "row has more than 3 cells (limits.max_cells_per_row)", 2, "4" },
    { "big.csv", BYTES("a,b\n1,2\n"), { .max_file_bytes = 4 }, 0,
      "file larger than 4 bytes (limits.max_file_mb)", 0, "" },
};

static void test_csv_errors(void **state)
{
    char path[512];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof csv_errors / sizeof csv_errors[0]; i++) {
        const struct error_case *c = &csv_errors[i];

        temp_path(path, sizeof path, tmpdir, c->name);
        file_write(path, c->data, c->len);
        check_error(path, &c->limits, c->rows_before, c->message, c->row, c->column);
    }
}

static void test_open_missing(void **state)
{
    struct sheet_reader *r = (struct sheet_reader *)&r;
    bdtx_error err;
    char path[512];

    (void)state;
    error_clear(&err);
    temp_path(path, sizeof path, tmpdir, "does-not-exist.csv");
    assert_int_equal(sheet_open(path, NULL, &r, &err), -1);
    assert_null(r);
    assert_int_equal(err.code, BDTX_DATAERR);
    assert_string_equal(err.message, "cannot open: No such file or directory");
    assert_string_equal(err.file, path);
}

static void test_column_labels(void **state)
{
    static const struct { size_t index; const char *xlsx, *csv; } cases[] = {
        { 0, "A", "1" }, { 2, "C", "3" }, { 25, "Z", "26" }, { 26, "AA", "27" },
        { 51, "AZ", "52" }, { 52, "BA", "53" }, { 701, "ZZ", "702" }, { 702, "AAA", "703" },
        { 16383, "XFD", "16384" },
    };
    struct sheet_reader *csv = NULL, *xlsx = NULL;
    char path[512], label[16];
    bdtx_error err;
    size_t i;

    (void)state;
    temp_path(path, sizeof path, tmpdir, "labels.csv");
    file_write(path, BYTES("a\n"));
    error_clear(&err);
    assert_int_equal(sheet_open(path, NULL, &csv, &err), 0);
    assert_int_equal(sheet_format(csv), SHEET_CSV);
    assert_string_equal(sheet_name(csv), "");
    assert_int_equal(sheet_open(FIXTURE_DIR "/week-01/temis-gv.xlsx", NULL, &xlsx,
                                &err), 0);
    assert_int_equal(sheet_format(xlsx), SHEET_XLSX);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sheet_column_label(xlsx, cases[i].index, label, sizeof label);
        assert_string_equal(label, cases[i].xlsx);
        sheet_column_label(csv, cases[i].index, label, sizeof label);
        assert_string_equal(label, cases[i].csv);
    }
    sheet_close(csv);
    sheet_close(xlsx);
}

#define NS_MAIN "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
#define NS_REL "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define NS_PKG "http://schemas.openxmlformats.org/package/2006/relationships"
#define REL_SHEET NS_REL "/worksheet"

#define WORKBOOK_ONE                                                                         \
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"                          \
    "<workbook xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_REL "\"><sheets>"                        \
    "<sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"
#define RELS_ONE                                                                             \
    "<Relationships xmlns=\"" NS_PKG "\"><Relationship Id=\"rId1\" Type=\"" REL_SHEET        \
    "\" Target=\"worksheets/sheet1.xml\"/></Relationships>"
#define SHEET(rows)                                                                          \
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"                          \
    "<worksheet xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_REL "\"><sheetData>" rows               \
    "</sheetData></worksheet>"
#define INLINE(ref, text) "<c r=\"" ref "\" t=\"inlineStr\"><is><t>" text "</t></is></c>"

/* A zip member; len 0 means strlen(data). */
struct part {
    const char *name;
    const char *data;
    size_t len;
};

/* Members deflated, or stored as they are when store is set. */
static void make_zip(const char *path, const struct part *parts, size_t n, bool store)
{
    int zerr = 0;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    size_t i;

    assert_non_null(z);
    for (i = 0; i < n && parts[i].name; i++) {
        size_t len = parts[i].len ? parts[i].len : strlen(parts[i].data);
        zip_source_t *src = zip_source_buffer(z, parts[i].data, len, 0);

        zip_int64_t idx;

        assert_non_null(src);
        idx = zip_file_add(z, parts[i].name, src, ZIP_FL_OVERWRITE);
        assert_true(idx >= 0);
        if (store)
            assert_int_equal(zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_STORE, 0), 0);
    }
    assert_int_equal(zip_close(z), 0);
}

static void make_xlsx(const char *path, const struct part *parts, size_t n)
{
    make_zip(path, parts, n, false);
}

static const char sst_rich[] =
    "<sst xmlns=\"" NS_MAIN "\" count=\"3\" uniqueCount=\"3\">"
    "<si><t>Họ và tên</t></si>"
    "<si><r><rPr><b/></rPr><t>Tài </t></r><r><t>khoản</t></r>"
    "<rPh sb=\"0\" eb=\"2\"><t>タイ</t></rPh><phoneticPr fontId=\"1\"/></si>"
    "<si><t xml:space=\"preserve\"> Trạng thái </t></si>"
    "</sst>";

/* Shared strings, rich runs, every cell type, skipped columns, rows and
 * cells without r, a wrong <dimension>, empty rows. */
static const char sheet_features[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
    "<worksheet xmlns=\"" NS_MAIN "\" xmlns:r=\"" NS_REL "\">"
    "<dimension ref=\"A1:B2\"/><sheetData>"
    "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>0</v></c><c r=\"C2\" t=\"s\"><v>1</v></c></row>"
    "<row><c t=\"s\"><v>2</v></c><c t=\"b\"><v>1</v></c><c t=\"e\"><v>#N/A</v></c>"
    "<c t=\"str\"><f>A2&amp;\"x\"</f><v>calc</v></c><c s=\"3\"><v>205125370</v></c>"
    "<c t=\"n\"><v>1.50</v></c></row>"
    "<row r=\"5\"><c r=\"A5\"/><c r=\"B5\" t=\"s\"/><c r=\"C5\" t=\"inlineStr\"><is><t>  </t></is></c>"
    "<c r=\"D5\" t=\"n\"></c></row>"
    "<row r=\"7\" spans=\"1:4\"><c r=\"B7\" t=\"inlineStr\"><is><r><t xml:space=\"preserve\">Tổng </t></r>"
    "<r><rPr><b/></rPr><t>cộng</t></r><rPh sb=\"0\" eb=\"1\"><t>PH</t></rPh></is></c>"
    "<c r=\"D7\" s=\"2\"><v>44115</v></c></row>"
    "<row r=\"8\"></row>"
    "<row r=\"9\">" INLINE("AA9", "far") "</row>"
    "<row r=\"10\"><c r=\"A10\"><is><t>no type</t></is></c></row>"
    "</sheetData><mergeCells count=\"1\"><mergeCell ref=\"A1:D1\"/></mergeCells></worksheet>";

static const struct want_row want_features[] = {
    { 2, 3, { "Họ và tên", "", "Tài khoản" }, 0 },
    { 3, 6, { " Trạng thái ", "1", "#N/A", "calc", "205125370", "1.50" }, 0x30 },
    { 7, 4, { "", "Tổng cộng", "", "44115" }, 0x8 },
    { 9, 27, { [26] = "far" }, 0 },
    { 10, 1, { "no type" }, 0 },
};

/* The first sheet in workbook order, not the first relationship, through
 * an absolute target; the main namespace under a prefix. */
static const char workbook_two[] =
    "<workbook xmlns=\"" NS_MAIN "\"><sheets>"
    "<sheet xmlns:r=\"" NS_REL "\" name=\"Danh sách\" sheetId=\"2\" r:id=\"rId7\"/>"
    "<sheet xmlns:r=\"" NS_REL "\" name=\"Khác\" sheetId=\"1\" r:id=\"rId1\"/>"
    "</sheets></workbook>";
static const char rels_two[] =
    "<Relationships xmlns=\"" NS_PKG "\">"
    "<Relationship Id=\"rId1\" Type=\"" REL_SHEET "\" Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId7\" Type=\"" REL_SHEET "\" Target=\"/xl/worksheets/data.xml\"/>"
    "</Relationships>";
static const char sheet_prefixed[] =
    "<x:worksheet xmlns:x=\"" NS_MAIN "\"><x:sheetData><x:row r=\"1\">"
    "<x:c r=\"A1\" t=\"inlineStr\"><x:is><x:t>prefixed</x:t></x:is></x:c>"
    "<x:c r=\"B1\"><x:v>42</x:v></x:c></x:row></x:sheetData></x:worksheet>";

/* Strict OOXML namespaces, a target with "..", shared strings found
 * through the relationships under another name. */
static const char workbook_strict[] =
    "<workbook xmlns=\"http://purl.oclc.org/ooxml/spreadsheetml/main\" "
    "xmlns:r=\"http://purl.oclc.org/ooxml/officeDocument/relationships\"><sheets>"
    "<sheet name=\"Strict\" sheetId=\"1\" r:id=\"rIdS\"/></sheets></workbook>";
static const char rels_strict[] =
    "<Relationships xmlns=\"" NS_PKG "\">"
    "<Relationship Id=\"rIdS\" Type=\"x\" Target=\"./sheets/../worksheets/s.xml\"/>"
    "<Relationship Id=\"rIdT\" Type=\"http://purl.oclc.org/ooxml/officeDocument/relationships/sharedStrings\" "
    "Target=\"strings.xml\"/></Relationships>";

static const struct want_row want_prefixed[] = { { 1, 2, { "prefixed", "42" }, 0x2 } };
static const struct want_row want_strict[] = { { 3, 2, { "", "from strings.xml" }, 0 } };
static const struct want_row want_fallback[] = { { 1, 1, { "fallback" }, 0 } };

/* Formulas are read through their cached values; one saved without a
 * value is marked, not taken for an empty cell, even at the end of a row
 * or alone on it. */
static const char sheet_formulas[] =
    "<worksheet xmlns=\"" NS_MAIN "\"><sheetData><row r=\"1\">"
    "<c r=\"A1\"><f>1+1241</f><v>1242</v></c>"
    "<c r=\"B1\" t=\"str\"><f>\"a\"&amp;\"b\"</f><v>ab</v></c>"
    "<c r=\"C1\"><f>SUM(A1:A2)</f></c>"
    "<c r=\"D1\" t=\"str\"><f>\"\"</f><v></v></c>"
    "<c r=\"E1\"><f>E7/D7</f></c></row>"
    "<row r=\"2\"><c r=\"B2\"><f>A1*2</f></c></row>"
    "<row r=\"3\"><c r=\"A3\" t=\"str\"><f>\"\"</f><v></v></c></row>"
    "</sheetData></worksheet>";
static const struct want_row want_formulas[] = {
    { 1, 5, { "1242", "ab", UNCACHED, "", UNCACHED }, 0x1 },
    { 2, 2, { "", UNCACHED }, 0 },
};

struct xlsx_case {
    const char *name;
    struct part parts[5];
    const char *sheet_name;
    const struct want_row *rows;
    size_t nrows;
};

static const struct xlsx_case xlsx_cases[] = {
    { "features.xlsx",
      { { "xl/workbook.xml", WORKBOOK_ONE, 0 }, { "xl/_rels/workbook.xml.rels", RELS_ONE, 0 },
        { "xl/sharedStrings.xml", sst_rich, 0 }, { "xl/worksheets/sheet1.xml", sheet_features, 0 } },
      "Sheet1", want_features, sizeof want_features / sizeof want_features[0] },
    { "first-in-order.xlsx",
      { { "xl/workbook.xml", workbook_two, 0 }, { "xl/_rels/workbook.xml.rels", rels_two, 0 },
        { "xl/worksheets/sheet1.xml", SHEET("<row r=\"1\">" INLINE("A1", "wrong") "</row>"), 0 },
        { "xl/worksheets/data.xml", sheet_prefixed, 0 } },
      "Danh sách", want_prefixed, 1 },
    { "strict.xlsx",
      { { "xl/workbook.xml", workbook_strict, 0 }, { "xl/_rels/workbook.xml.rels", rels_strict, 0 },
        { "xl/strings.xml", "<sst><si><t>from strings.xml</t></si></sst>", 0 },
        { "xl/worksheets/s.xml", SHEET("<row r=\"3\"><c r=\"B3\" t=\"s\"><v>0</v></c></row>"), 0 } },
      "Strict", want_strict, 1 },
    /* No relationships: the usual place of the first sheet is used. */
    { "no-rels.xlsx",
      { { "xl/workbook.xml", WORKBOOK_ONE, 0 },
        { "xl/worksheets/sheet1.xml", SHEET("<row r=\"1\">" INLINE("A1", "fallback") "</row>"), 0 } },
      "", want_fallback, 1 },
    { "formulas.xlsx",
      { { "xl/workbook.xml", WORKBOOK_ONE, 0 }, { "xl/_rels/workbook.xml.rels", RELS_ONE, 0 },
        { "xl/worksheets/sheet1.xml", sheet_formulas, 0 } },
      "Sheet1", want_formulas, sizeof want_formulas / sizeof want_formulas[0] },
    { "no-rows.xlsx",
      { { "xl/workbook.xml", WORKBOOK_ONE, 0 }, { "xl/_rels/workbook.xml.rels", RELS_ONE, 0 },
        { "xl/worksheets/sheet1.xml", SHEET(""), 0 } },
      "Sheet1", NULL, 0 },
};

static void test_xlsx_built(void **state)
{
    struct sheet_reader *r = NULL;
    char path[512];
    bdtx_error err;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof xlsx_cases / sizeof xlsx_cases[0]; i++) {
        const struct xlsx_case *c = &xlsx_cases[i];

        temp_path(path, sizeof path, tmpdir, c->name);
        make_xlsx(path, c->parts, 5);
        error_clear(&err);
        assert_int_equal(sheet_open(path, NULL, &r, &err), 0);
        assert_string_equal(sheet_name(r), c->sheet_name);
        sheet_close(r);
        check_rows(path, NULL, c->rows, c->nrows);
    }
}

/* Each worksheet by index and by name; what is not there is said. */
static void test_xlsx_select(void **state)
{
    static const struct {
        struct sheet_select which;
        const char *name, *first, *error;
    } cases[] = {
        { { NULL, 0 }, "Danh sách", "prefixed", NULL },
        { { NULL, 1 }, "Khác", "second", NULL },
        { { "Khác", 0 }, "Khác", "second", NULL },
        { { "Danh sách", 1 }, "Danh sách", "prefixed", NULL },
        { { NULL, 2 }, NULL, NULL, "the workbook has no worksheet 3 (it has 2)" },
        { { "khác", 0 }, NULL, NULL, "the workbook has no worksheet named \"khác\"" },
    };
    const struct xlsx_case *c = &xlsx_cases[1];
    struct part parts[5];
    struct sheet_reader *r = NULL;
    struct sheet_row row;
    char path[512], csv[512];
    bdtx_error err;
    size_t i;

    (void)state;
    memcpy(parts, c->parts, sizeof parts);
    parts[2].data = SHEET("<row r=\"1\">" INLINE("A1", "second") "</row>");
    temp_path(path, sizeof path, tmpdir, "select.xlsx");
    make_xlsx(path, parts, 5);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        error_clear(&err);
        if (!cases[i].error) {
            assert_int_equal(sheet_open_sheet(path, NULL, &cases[i].which, &r, &err), 0);
            assert_int_equal(sheet_count(r), 2);
            assert_string_equal(sheet_name(r), cases[i].name);
            assert_int_equal(sheet_next(r, &row, &err), 1);
            assert_string_equal(row.cells[0].text, cases[i].first);
            sheet_close(r);
            continue;
        }
        assert_int_equal(sheet_open_sheet(path, NULL, &cases[i].which, &r, &err), -1);
        assert_null(r);
        assert_int_equal(err.code, BDTX_DATAERR);
        assert_string_equal(err.message, cases[i].error);
        assert_string_equal(err.file, path);
    }
    temp_path(csv, sizeof csv, tmpdir, "select.csv");
    file_write(csv, BYTES("a\n"));
    assert_int_equal(sheet_open_sheet(csv, NULL, &cases[0].which, &r, &err), 0);
    assert_int_equal(sheet_count(r), 1);
    sheet_close(r);
    assert_int_equal(sheet_open_sheet(csv, NULL, &cases[1].which, &r, &err), -1);
    assert_string_equal(err.message, "a CSV file has one sheet only");
    assert_string_equal(err.file, csv);
}

static const char doctype_sheet[] =
    "<?xml version=\"1.0\"?><!DOCTYPE worksheet [<!ENTITY a \"aaaaaaaa\">"
    "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
    "<worksheet xmlns=\"" NS_MAIN "\"><sheetData><row r=\"1\">" INLINE("A1", "&b;")
    "</row></sheetData></worksheet>";

struct xlsx_error_case {
    const char *name;
    struct part parts[4];
    struct sheet_limits limits;
    long rows_before;
    const char *message;
    long row;
    const char *column;
};

#define WB_PARTS                                                                             \
    { "xl/workbook.xml", WORKBOOK_ONE, 0 }, { "xl/_rels/workbook.xml.rels", RELS_ONE, 0 }

static const struct xlsx_error_case xlsx_errors[] = {
    { "doctype-sheet.xlsx", { WB_PARTS, { "xl/worksheets/sheet1.xml", doctype_sheet, 0 } }, { 0 }, 0,
      "refused XLSX: xl/worksheets/sheet1.xml has a DOCTYPE declaration", 0, "" },
    { "doctype-sst.xlsx",
      { WB_PARTS, { "xl/sharedStrings.xml", "<!DOCTYPE sst><sst><si><t>x</t></si></sst>", 0 },
        { "xl/worksheets/sheet1.xml", SHEET(""), 0 } }, { 0 }, 0,
      "refused XLSX: xl/sharedStrings.xml has a DOCTYPE declaration", 0, "" },
    { "doctype-workbook.xlsx",
      { { "xl/workbook.xml", "<!DOCTYPE workbook SYSTEM \"http://example.com/x.dtd\"><workbook/>", 0 },
        { "xl/worksheets/sheet1.xml", SHEET(""), 0 } }, { 0 }, 0,
      "refused XLSX: xl/workbook.xml has a DOCTYPE declaration", 0, "" },
    { "no-workbook.xlsx", { { "word/document.xml", "<document/>", 0 } }, { 0 }, 0,
      "corrupt XLSX: cannot read xl/workbook.xml", 0, "" },
    { "no-sheet.xlsx", { WB_PARTS }, { 0 }, 0, "corrupt XLSX: no worksheet found", 0, "" },
    { "bad-xml.xlsx",
      { WB_PARTS, { "xl/worksheets/sheet1.xml",
                    SHEET("<row r=\"1\"><c r=\"A1\"><v>1</v></c></row><row r=\"2\"><c r=\"A2\"><v>2</c></row>"), 0 } },
      { 0 }, 1, "corrupt XLSX: xl/worksheets/sheet1.xml, line 1: mismatched tag", 2, "" },
    { "bad-sst-index.xlsx",
      { WB_PARTS, { "xl/sharedStrings.xml", "<sst><si><t>only</t></si></sst>", 0 },
        { "xl/worksheets/sheet1.xml",
          SHEET("<row r=\"4\"><c r=\"A4\" t=\"s\"><v>0</v></c><c r=\"B4\" t=\"s\"><v>5</v></c></row>"), 0 } },
      { 0 }, 0, "corrupt XLSX: xl/worksheets/sheet1.xml: shared string 5 does not exist", 4, "B" },
    { "bad-ref.xlsx",
      { WB_PARTS, { "xl/worksheets/sheet1.xml", SHEET("<row r=\"1\"><c r=\"1A\"><v>1</v></c></row>"), 0 } },
      { 0 }, 0, "corrupt XLSX: xl/worksheets/sheet1.xml: bad cell reference \"1A\"", 1, "" },
    /* U+009B is a terminal's CSI: never echoed. */
    { "bad-ref-control.xlsx",
      { WB_PARTS, { "xl/worksheets/sheet1.xml",
                    SHEET("<row r=\"1\"><c r=\"A\xC2\x9B" "1\"><v>1</v></c></row>"), 0 } },
      { 0 }, 0, "corrupt XLSX: xl/worksheets/sheet1.xml: bad cell reference \"A??1\"", 1, "" },
    { "bad-sst-text.xlsx",
      { WB_PARTS, { "xl/sharedStrings.xml", "<sst><si><t>only</t></si></sst>", 0 },
        { "xl/worksheets/sheet1.xml", SHEET("<row r=\"2\"><c r=\"C2\" t=\"s\"><v>x1</v></c></row>"), 0 } },
      { 0 }, 0, "corrupt XLSX: xl/worksheets/sheet1.xml: bad shared string index", 2, "C" },
    { "long-cell.xlsx",
      { WB_PARTS, { "xl/worksheets/sheet1.xml",
                    SHEET("<row r=\"1\">" INLINE("A1", "abcde") "</row><row r=\"2\">" INLINE("A2", "ok")
                          INLINE("B2", "abc&amp;def") "</row>"), 0 } },
      { .max_cell_chars = 5 }, 1, "cell longer than 5 characters (limits.max_cell_chars)", 2, "B" },
    { "long-shared.xlsx",
      { WB_PARTS, { "xl/sharedStrings.xml", "<sst><si><t>abcdef</t></si></sst>", 0 },
        { "xl/worksheets/sheet1.xml", SHEET("<row r=\"3\"><c r=\"C3\" t=\"s\"><v>0</v></c></row>"), 0 } },
      { .max_cell_chars = 5 }, 0, "cell longer than 5 characters (limits.max_cell_chars)", 3, "C" },
    { "wide-row.xlsx",
      { WB_PARTS, { "xl/worksheets/sheet1.xml",
                    SHEET("<row r=\"1\"><c r=\"A1\"><v>1</v></c><c r=\"E1\"><v>5</v></c></row>"), 0 } },
      { .max_cells_per_row = 4 }, 0, "row has more than 4 cells (limits.max_cells_per_row)", 1, "E" },
    { "uncompressed.xlsx", { WB_PARTS, { "xl/worksheets/sheet1.xml", SHEET(""), 0 } },
      { .max_uncompressed_bytes = 100 }, 0,
      "XLSX content larger than 100 bytes uncompressed (limits.max_uncompressed_mb)", 0, "" },
};

static void test_xlsx_errors(void **state)
{
    char path[512];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof xlsx_errors / sizeof xlsx_errors[0]; i++) {
        const struct xlsx_error_case *c = &xlsx_errors[i];

        temp_path(path, sizeof path, tmpdir, c->name);
        make_xlsx(path, c->parts, 4);
        check_error(path, &c->limits, c->rows_before, c->message, c->row, c->column);
    }
}

static void test_xlsx_corrupt_zip(void **state)
{
    struct sheet_reader *r = NULL;
    char path[512];
    bdtx_error err;

    (void)state;
    temp_path(path, sizeof path, tmpdir, "corrupt.xlsx");
    file_write(path, BYTES("PK\x03\x04 this is not really a zip archive"));
    error_clear(&err);
    assert_int_equal(sheet_open(path, NULL, &r, &err), -1);
    assert_null(r);
    assert_int_equal(err.code, BDTX_DATAERR);
    assert_string_equal(err.file, path);
    assert_string_equal(err.message, "corrupt XLSX: cannot open the zip archive (Not a zip archive)");
}

/* Damage found only by the CRC at the end of the member: the rows read
 * before it have been handed out, then the error comes. */
static void test_xlsx_crc(void **state)
{
    static const struct part parts[] = {
        WB_PARTS,
        { "xl/worksheets/sheet1.xml",
          SHEET("<row r=\"1\">" INLINE("A1", "AAAA") "</row><row r=\"2\">" INLINE("A2", "BBBB") "</row>"), 0 },
    };
    char path[512], *data, *hit = NULL;
    size_t len, i;

    (void)state;
    temp_path(path, sizeof path, tmpdir, "crc.xlsx");
    make_zip(path, parts, 3, true);
    data = file_read(path, &len);
    for (i = 0; i + 4 <= len && !hit; i++)
        if (memcmp(data + i, "BBBB", 4) == 0)
            hit = data + i;
    assert_non_null(hit);
    hit[3] = 'C';
    file_write(path, data, len);
    free(data);
    check_error(path, NULL, 2, "corrupt XLSX: cannot read xl/worksheets/sheet1.xml (CRC error)", 0, "");
}

/* A zip bomb in miniature: 8 MiB of blanks deflate to a few KiB. */
static void test_xlsx_ratio(void **state)
{
    static const char head[] = "<worksheet xmlns=\"" NS_MAIN "\"><sheetData>";
    static const char tail[] = "</sheetData></worksheet>";
    const size_t blanks = 8u << 20;
    size_t len = sizeof head - 1 + blanks + sizeof tail - 1;
    char *xml = malloc(len);
    struct part parts[] = { WB_PARTS, { "xl/worksheets/sheet1.xml", xml, len } };
    char path[512];

    (void)state;
    assert_non_null(xml);
    memcpy(xml, head, sizeof head - 1);
    memset(xml + sizeof head - 1, ' ', blanks);
    memcpy(xml + sizeof head - 1 + blanks, tail, sizeof tail - 1);
    temp_path(path, sizeof path, tmpdir, "ratio.xlsx");
    make_xlsx(path, parts, 3);
    free(xml);
    check_error(path, NULL, 0,
                "XLSX part xl/worksheets/sheet1.xml compresses more than 200 times "
                "(limits.max_compression_ratio)", 0, "");
}

/* Letters that deflate does not squeeze (so the ratio limit stays out of
 * the way), between head and tail; caller frees. */
static char *letters_between(const char *head, size_t n, const char *tail, size_t *len)
{
    size_t h = strlen(head), t = strlen(tail), i;
    char *s = malloc(h + n + t);
    uint32_t x = 12345;

    assert_non_null(s);
    memcpy(s, head, h);
    for (i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        s[h + i] = (char)('a' + (x >> 16) % 26);
    }
    memcpy(s + h + n, tail, t);
    *len = h + n + t;
    return s;
}

/* Long text streams through in pieces; one giant tag is refused before
 * expat buffers all of it. */
static void test_xlsx_token_bound(void **state)
{
    const size_t text_len = 6u << 20;
    const struct sheet_limits roomy = { .max_cell_chars = 8u << 20 };
    struct part parts[] = { WB_PARTS, { "xl/worksheets/sheet1.xml", NULL, 0 } };
    struct sheet_reader *r = NULL;
    struct sheet_row row;
    bdtx_error err;
    char path[512];
    char *xml;

    (void)state;
    xml = letters_between("<worksheet xmlns=\"" NS_MAIN "\"><sheetData><row r=\"1\">"
                          "<c r=\"B1\" t=\"inlineStr\"><is><t>",
                          text_len, "</t></is></c></row></sheetData></worksheet>", &parts[2].len);
    parts[2].data = xml;
    temp_path(path, sizeof path, tmpdir, "long-text.xlsx");
    make_xlsx(path, parts, 3);
    free(xml);
    error_clear(&err);
    assert_int_equal(sheet_open(path, &roomy, &r, &err), 0);
    assert_int_equal(sheet_next(r, &row, &err), 1);
    assert_int_equal(row.number, 1);
    assert_int_equal(row.ncells, 2);
    assert_int_equal(row.cells[1].len, text_len);
    assert_int_equal(strlen(row.cells[1].text), text_len);
    assert_int_equal(sheet_next(r, &row, &err), 0);
    sheet_close(r);

    xml = letters_between("<worksheet xmlns=\"" NS_MAIN "\"><sheetData><row r=\"1\" x=\"",
                          5u << 20, "\"><c r=\"A1\"><v>1</v></c></row></sheetData></worksheet>",
                          &parts[2].len);
    parts[2].data = xml;
    temp_path(path, sizeof path, tmpdir, "giant-tag.xlsx");
    make_xlsx(path, parts, 3);
    free(xml);
    check_error(path, &roomy, 0,
                "corrupt XLSX: xl/worksheets/sheet1.xml has an XML tag or comment over 4194304 bytes",
                0, "");
}

/* Many rows, so that rows end in every position of the 64 KiB chunks and
 * the parser is suspended and resumed across them. */
static void test_xlsx_many_rows(void **state)
{
    const long n = 30000;
    size_t cap = (size_t)n * 160 + 4096, len = 0;
    char *xml = malloc(cap), path[512], want[64];
    struct part parts[] = {
        WB_PARTS,
        { "xl/sharedStrings.xml", "<sst><si><t>GV</t></si><si><t>CBQL</t></si><si><t>Đạt</t></si></sst>", 0 },
        { "xl/worksheets/sheet1.xml", NULL, 0 },
    };
    static const char *sst[] = { "GV", "CBQL", "Đạt" };
    struct sheet_reader *r = NULL;
    struct sheet_row row;
    bdtx_error err;
    long i, got;

    (void)state;
    assert_non_null(xml);
    len += (size_t)snprintf(xml + len, cap - len, "<worksheet xmlns=\"" NS_MAIN "\"><sheetData>");
    for (i = 1; i <= n; i++)
        len += (size_t)snprintf(xml + len, cap - len,
                                "<row r=\"%ld\"><c r=\"A%ld\" t=\"s\"><v>%ld</v></c><c r=\"B%ld\"><v>%ld</v></c>"
                                "<c r=\"D%ld\" t=\"inlineStr\"><is><t>Trường số %ld</t></is></c></row>",
                                i, i, i % 3, i, i * 7, i, i);
    len += (size_t)snprintf(xml + len, cap - len, "</sheetData></worksheet>");
    parts[3].data = xml;
    parts[3].len = len;
    temp_path(path, sizeof path, tmpdir, "many.xlsx");
    make_xlsx(path, parts, 4);
    free(xml);

    error_clear(&err);
    assert_int_equal(sheet_open(path, NULL, &r, &err), 0);
    for (got = 0; sheet_next(r, &row, &err) == 1; got++) {
        assert_int_equal(row.number, got + 1);
        assert_int_equal(row.ncells, 4);
        assert_string_equal(row.cells[0].text, sst[(got + 1) % 3]);
        snprintf(want, sizeof want, "%ld", (got + 1) * 7);
        assert_string_equal(row.cells[1].text, want);
        assert_true(row.cells[1].numeric);
        assert_string_equal(row.cells[2].text, "");
        snprintf(want, sizeof want, "Trường số %ld", got + 1);
        assert_string_equal(row.cells[3].text, want);
    }
    assert_int_equal(err.code, 0);
    assert_int_equal(got, n);
    sheet_close(r);
}

/* Read a fixture to the end, keeping copies of the rows asked for. */
struct fixture_probe {
    long number;
    struct want_row want;
};

static void check_fixture(const char *path, const char *name, long nrows, long last,
                          const struct fixture_probe *probes, size_t nprobes)
{
    struct sheet_reader *r = NULL;
    struct sheet_row row;
    bdtx_error err;
    long count = 0, prev = 0;
    size_t p = 0, c;

    error_clear(&err);
    require_ok(sheet_open(path, NULL, &r, &err), &err, path);
    assert_string_equal(sheet_name(r), name);
    while (sheet_next(r, &row, &err) == 1) {
        count++;
        assert_true(row.number > prev);
        prev = row.number;
        assert_true(row.ncells > 0);
        if (p < nprobes && row.number == probes[p].number) {
            const struct want_row *w = &probes[p].want;

            assert_int_equal(row.ncells, w->ncells);
            for (c = 0; c < w->ncells; c++) {
                assert_string_equal(row.cells[c].text, w->cells[c] ? w->cells[c] : "");
                assert_int_equal(row.cells[c].numeric, (w->numeric >> c) & 1);
            }
            p++;
        }
    }
    assert_int_equal(err.code, 0);
    assert_int_equal(p, nprobes);
    assert_int_equal(count, nrows);
    assert_int_equal(prev, last);
    sheet_close(r);
}

/* What a reader hands out, reduced to a checksum: every row's number,
 * cells, texts and number flags, then how it ended and the error. The first
 * `direct` rows are read before sheet_read_ahead when ahead is set, as an
 * import reads its header first. */
struct read_digest {
    uint64_t hash;
    long rows;
    int rc;
    char message[sizeof ((bdtx_error *)0)->message];
    long err_row;
};

static void digest_add(uint64_t *h, const void *p, size_t n)
{
    const unsigned char *b = p;
    size_t i;

    for (i = 0; i < n; i++) {
        *h ^= b[i];
        *h *= UINT64_C(1099511628211);
    }
}

static void read_all(const char *path, bool ahead, long direct, struct read_digest *d)
{
    struct sheet_reader *r = NULL;
    struct sheet_row row;
    bdtx_error err;
    size_t i;

    memset(d, 0, sizeof *d);
    d->hash = UINT64_C(14695981039346656037);
    error_clear(&err);
    assert_int_equal(sheet_open(path, NULL, &r, &err), 0);
    for (;;) {
        if (ahead && d->rows == direct)
            assert_int_equal(sheet_read_ahead(r, &err), 0);
        d->rc = sheet_next(r, &row, &err);
        if (d->rc != 1)
            break;
        d->rows++;
        digest_add(&d->hash, &row.number, sizeof row.number);
        digest_add(&d->hash, &row.ncells, sizeof row.ncells);
        for (i = 0; i < row.ncells; i++) {
            digest_add(&d->hash, row.cells[i].text, row.cells[i].len + 1);
            digest_add(&d->hash, &row.cells[i].numeric, sizeof row.cells[i].numeric);
        }
    }
    snprintf(d->message, sizeof d->message, "%s", d->rc < 0 ? err.message : "");
    d->err_row = d->rc < 0 ? err.row : 0;
    /* The end stays the end, an error an error. */
    assert_int_equal(sheet_next(r, &row, &err), d->rc);
    sheet_close(r);
}

static void check_read_ahead(const char *path, long want_rows, int want_rc)
{
    struct read_digest plain, ahead;

    read_all(path, false, 0, &plain);
    read_all(path, true, 3, &ahead);
    assert_int_equal(plain.rows, want_rows);
    assert_int_equal(plain.rc, want_rc);
    assert_int_equal(ahead.rows, plain.rows);
    assert_int_equal(ahead.rc, plain.rc);
    assert_true(ahead.hash == plain.hash);
    assert_string_equal(ahead.message, plain.message);
    assert_int_equal(ahead.err_row, plain.err_row);
}

/* Reading ahead hands out exactly what reading in this thread does, over
 * several batches, up to the same end or the same error in the same row;
 * a reader closed while its thread is ahead stops cleanly. */
static void test_read_ahead(void **state)
{
    const long n = 50000;
    size_t cap = (size_t)n * 120 + 4096, len = 0;
    char *text = malloc(cap), path[512], xlsx[512];
    struct part parts[] = {
        WB_PARTS,
        { "xl/sharedStrings.xml", "<sst><si><t>GV</t></si><si><t>Đạt</t></si></sst>", 0 },
        { "xl/worksheets/sheet1.xml", NULL, 0 },
    };
    struct sheet_reader *r = NULL;
    struct sheet_row row;
    bdtx_error err;
    long i;

    (void)state;
    assert_non_null(text);
    for (i = 1; i <= n; i++)
        len += (size_t)snprintf(text + len, cap - len, "%ld,Nguyễn Văn %ld,\"a,%ld\",,x\n", i, i,
                                i * 7);
    temp_path(path, sizeof path, tmpdir, "ahead.csv");
    file_write(path, text, len);
    check_read_ahead(path, n, 0);
    /* A quote never closed, after 50,000 good rows. */
    len += (size_t)snprintf(text + len, cap - len, "%ld,\"never closed\n", n + 1);
    file_write(path, text, len);
    check_read_ahead(path, n, -1);

    len = (size_t)snprintf(text, cap, "<worksheet xmlns=\"" NS_MAIN "\"><sheetData>");
    for (i = 1; i <= n; i++)
        len += (size_t)snprintf(text + len, cap - len,
                                "<row r=\"%ld\"><c r=\"A%ld\" t=\"s\"><v>%ld</v></c>"
                                "<c r=\"C%ld\"><v>%ld</v></c></row>",
                                i, i, i == n - 10 ? 7 : i % 2, i, i * 3);
    len += (size_t)snprintf(text + len, cap - len, "</sheetData></worksheet>");
    parts[3].data = text;
    parts[3].len = len;
    temp_path(xlsx, sizeof xlsx, tmpdir, "ahead.xlsx");
    make_xlsx(xlsx, parts, 4);
    /* Shared string 7 does not exist: an error at row n - 10. */
    check_read_ahead(xlsx, n - 11, -1);

    error_clear(&err);
    assert_int_equal(sheet_open(xlsx, NULL, &r, &err), 0);
    assert_int_equal(sheet_read_ahead(r, &err), 0);
    for (i = 0; i < 10; i++)
        assert_int_equal(sheet_next(r, &row, &err), 1);
    sheet_close(r);
    free(text);
}

static void test_fixture_xlsx_title_block(void **state)
{
    /* Inline strings, title rows 1-4, an empty row 5 (a number cell without
     * <v>), the header on row 6, a totals row at the end, dimension A1:F4. */
    static const struct fixture_probe probes[] = {
        { 1, { 1, 1, { "UBND TỈNH LẠNG SƠN" }, 0 } },
        { 4, { 4, 1, { "Tính đến ngày 11/10/2020" }, 0 } },
        { 6, { 6, 16, { "STT", "Họ và tên", "Tài khoản", "Mã định danh", "Ngày sinh", "Đối tượng",
                        "Cấp học", "Đơn vị", "Mã đơn vị", "Phòng GD&ĐT", "Mô đun", "Tiến độ (%)",
                        "Điểm", "Trạng thái", "Kết quả", "Ngày hoàn thành" }, 0 } },
        { 7, { 7, 16, { "1", "Lê Minh Xuân", "208737220", "9062267152", "32947", "CBQL đại trà",
                        "THPT", "Trường THPT Chuyên Chu Văn An", "2090001", "", "Mô đun 1", "100",
                        "9", "Hoàn thành", "Đạt", "44115" }, 0x9811 } },
        { 8, { 8, 14, { "2", "Lê Minh Xuân", "208737220", "9062267152", "32947", "CBQL đại trà",
                        "THPT", "Trường THPT Chuyên Chu Văn An", "2090001", "", "Mô đun 2", "30",
                        "", "Đang học" }, 0x811 } },
        { 1562, { 1562, 16, { "1556", "Đinh Thu Trang", "209181638", "7218705363", "35879",
                              "GV đại trà", "THPT", "Trường THPT Chi Lăng", "2090023", "",
                              "Mô đun 2", "100", "9.300000000000001", "Hoàn thành", "Đạt",
                              "44109" }, 0x9811 } },
        { 1565, { 1565, 2, { "", "Tổng cộng: 1558 lượt" }, 0 } },
    };

    (void)state;
    check_fixture(FIXTURE_DIR "/week-02/ket-qua-boi-duong-truc-thuoc.xlsx", "Sheet1",
                  1564, 1565, probes, sizeof probes / sizeof probes[0]);
}

static void test_fixture_xlsx_streaming_writer(void **state)
{
    /* Numbers without t, cells skipped in the middle and at the end. */
    static const struct fixture_probe probes[] = {
        { 4, { 4, 1, { "Tính đến ngày 25/10/2020" }, 0 } },
        { 8, { 8, 14, { "2", "Trần Anh Cúc", "204281275", "3699165765", "30288", "CBQL đại trà",
                        "Tiểu học", "Trường Tiểu học Hưng Vũ", "20178001",
                        "Phòng GDĐT Thành phố Lạng Sơn", "Mô đun 2", "33", NULL, "Đang học" },
               0x811 } },
        { 11474, { 11474, 14, { "1691", "Đỗ Hồng Linh", NULL, "1335194353", "27962", "CBQL đại trà",
                                "THCS", "Trường THCS Tân Tiến", "20180047", "Phòng GDĐT Tràng Định",
                                "Mô đun 1", "40", NULL, "Đang học" }, 0x811 } },
        { 11475, { 11475, 16, { "6490", "Hoàng Xuân Quỳnh", "bad62767", "6761673981", "29545",
                                "GV đại trà", "THCS", "Trường THCS Cai Kinh", "20185183",
                                "Phòng GDĐT Bắc Sơn", "Mô đun 1", "100", "9", "Đã xoá", NULL,
                                "44116" }, 0x9811 } },
    };

    (void)state;
    check_fixture(FIXTURE_DIR "/week-04/lms_25102020.xlsx", "Danh sach", 11474, 11475,
                  probes, sizeof probes / sizeof probes[0]);
}

static void test_fixture_xlsx_temis(void **state)
{
    static const struct fixture_probe probes[] = {
        { 6, { 6, 6, { "STT", "Mã đơn vị", "Tên đơn vị", "Tổng số giáo viên",
                       "Tổng số giáo viên hoàn thành tự đánh giá ",
                       "Tổng số giáo viên được thủ trưởng đánh giá" }, 0 } },
        { 7, { 7, 6, { "1", "20178", "Phòng GDĐT Thành phố Lạng Sơn", "561", "68", "46" }, 0x39 } },
        { 40, { 40, 6, { "34", "2090023", "Trường THPT Chi Lăng", "29", "3", "1" }, 0x39 } },
    };

    (void)state;
    check_fixture(FIXTURE_DIR "/week-01/temis-gv.xlsx", "Sheet1", 39, 40, probes,
                  sizeof probes / sizeof probes[0]);
}

static void test_fixture_csv(void **state)
{
    /* UTF-8 with BOM, comma, CRLF; the last row's two empty cells cut. */
    static const struct fixture_probe bom[] = {
        { 1, { 1, 16, { "STT", "Họ và tên", "Tài khoản", "Mã định danh", "Ngày sinh", "Đối tượng",
                        "Cấp học", "Đơn vị", "Mã đơn vị", "Phòng GD&ĐT", "Mô đun", "Tiến độ (%)",
                        "Điểm", "Trạng thái", "Kết quả", "Ngày hoàn thành" }, 0 } },
        { 11467, { 11467, 14, { "11466", "Triệu Ngọc Tâm", "202764603", "6442326569", "21/07/1976",
                                "GV đại trà", "THPT", "Trường THPT Chi Lăng", "2090023", "",
                                "Mô đun 2", "72", "", "Đang học" }, 0 } },
    };
    /* ';', NFD text kept as written, commas inside the module title and
     * the decimal score. */
    static const struct fixture_probe semicolon[] = {
        { 1, { 1, 16, { "TT", "Ho\xcc\xa3 te\xcc\x82n" }, 0 } },
    };
    struct sheet_reader *r = NULL;
    struct sheet_row row;
    bdtx_error err;

    (void)state;
    check_fixture(FIXTURE_DIR "/week-01/lms-hoc-vien-20201004.csv", "", 11467, 11467,
                  bom, sizeof bom / sizeof bom[0]);
    error_clear(&err);
    assert_int_equal(sheet_open(FIXTURE_DIR "/week-03/export_lms_tuan03.csv", NULL, &r,
                                &err), 0);
    assert_int_equal(sheet_next(r, &row, &err), 1);
    assert_int_equal(row.number, semicolon[0].want.number);
    assert_int_equal(row.ncells, semicolon[0].want.ncells);
    assert_string_equal(row.cells[0].text, semicolon[0].want.cells[0]);
    assert_string_equal(row.cells[1].text, semicolon[0].want.cells[1]);
    while (sheet_next(r, &row, &err) == 1)
        if (row.number == 11467)
            break;
    assert_int_equal(row.number, 11467);
    assert_int_equal(row.ncells, 16);
    assert_non_null(strstr(row.cells[10].text, "pha\xcc\x82\xcc\x89m cha\xcc\x82\xcc\x81t, na"));
    assert_string_equal(row.cells[12].text, "5,6");
    assert_string_equal(row.cells[15].text, "07/10/2020");
    assert_int_equal(sheet_next(r, &row, &err), 0);
    sheet_close(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_dialects),
        cmocka_unit_test(test_csv_utf16),
        cmocka_unit_test(test_csv_chunks),
        cmocka_unit_test(test_csv_boundaries),
        cmocka_unit_test(test_csv_errors),
        cmocka_unit_test(test_open_missing),
        cmocka_unit_test(test_column_labels),
        cmocka_unit_test(test_xlsx_built),
        cmocka_unit_test(test_xlsx_select),
        cmocka_unit_test(test_xlsx_errors),
        cmocka_unit_test(test_xlsx_corrupt_zip),
        cmocka_unit_test(test_xlsx_ratio),
        cmocka_unit_test(test_xlsx_crc),
        cmocka_unit_test(test_xlsx_many_rows),
        cmocka_unit_test(test_read_ahead),
        cmocka_unit_test(test_xlsx_token_bound),
        cmocka_unit_test(test_fixture_xlsx_title_block),
        cmocka_unit_test(test_fixture_xlsx_streaming_writer),
        cmocka_unit_test(test_fixture_xlsx_temis),
        cmocka_unit_test(test_fixture_csv),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
