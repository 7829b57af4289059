/* bdtx-gen: synthetic LMS learner exports at national or provincial scale,
 * for the benchmarks (bench/run) and the generator's smoke test.
 *
 *   bdtx-gen national [--scale S] [--xlsx-rows N] [--provinces P] DIR
 *       DIR/units.csv       the nation as one registry: the Ministry (root,
 *                           kind nation), its 34 provinces (ranked), and
 *                           under them 3,300 communes, 2,720 units
 *                           directly under a Sở and, under the communes,
 *                           42,280 schools
 *       DIR/bdtx.yaml       a configuration naming it (province code 00)
 *       DIR/lms-week1.csv   1.3 M x S learners x 3 modules, long layout
 *       DIR/lms-week2.csv   the same a week later, about 5 % of pairs changed
 *       DIR/lms-week1.xlsx  the first rows of lms-week1.csv (an XLSX sheet
 *                           holds at most 1,048,576 rows)
 *       --provinces P writes P of the 34 provinces (P/34 of the units and
 *       learners), for a small nation in the tests
 *   bdtx-gen province [--scale S] --week K DIR
 *       one province (40,000 x S learners, 100 communes, 1,300 schools):
 *       DIR/units.csv and DIR/bdtx.yaml, and DIR/lms-weekKK.csv, the
 *       snapshot of week K of the school year (K = 1..52)
 *
 * Everything is a pure function of (learner, module, week), so any week can
 * be written on its own and two runs write identical files. Prints the
 * counts it wrote (rows, pairs changed since the week before) on stdout.
 *
 * libxlsxwriter's constant-memory mode writes each row as it goes, so the
 * generator's memory does not grow with the file. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xlsxwriter.h>

#define NMODULES 3
#define XLSX_MAX_ROWS 1048575L   /* 1,048,576 rows, less the header */

struct unit_set {
    long ncommunes, ndirect, nschools;
    int nprovinces;
    long learners;
};

static const char *const family[] = {
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
    "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý",
};
static const char *const middle[] = {
    "Thị", "Văn", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quang", "Anh", "Thu",
};
static const char *const given[] = {
    "An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiền", "Hòa", "Hoa",
    "Hùng", "Hương", "Khánh", "Lan", "Linh", "Loan", "Long", "Mai", "Minh", "Nam", "Nga",
    "Ngân", "Nhung", "Phúc", "Phương", "Quân", "Quỳnh", "Sơn", "Tâm", "Thảo", "Thắng",
    "Thủy", "Trang", "Trung", "Tú", "Tuấn", "Vân", "Việt", "Yến",
};
static const char *const module_names[NMODULES] = {"Mô đun 1", "Mô đun 2", "Mô đun 3"};
static const char *const state_text[3] = {"Chưa học", "Đang học", "Hoàn thành"};
static const char *const header[] = {
    "STT", "Họ và tên", "Tài khoản", "Mã định danh", "Ngày sinh", "Đối tượng", "Cấp học",
    "Đơn vị", "Mã đơn vị", "Phòng GD&ĐT", "Mô đun", "Tiến độ (%)", "Điểm", "Trạng thái",
    "Kết quả", "Ngày hoàn thành",
};
#define NCOLS (sizeof header / sizeof header[0])

/* splitmix64: a fast, well-mixed hash of a counter. */
static uint64_t mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

static uint64_t hash3(uint64_t a, uint64_t b, uint64_t c)
{
    return mix(mix(mix(a) ^ b) ^ c);
}

/* School i of the set: a direct unit first, then schools under communes.
 * Codes: commune PPCCC, school PPCCCSSS, direct unit PP9DDDD. */
static int province_of_school(const struct unit_set *u, long s)
{
    if (s < u->ndirect)
        return (int)(s % u->nprovinces);
    return (int)(((s - u->ndirect) % u->ncommunes) % u->nprovinces);
}

static void province_code(const struct unit_set *u, int p, char *buf, size_t cap)
{
    snprintf(buf, cap, "%02d", u->nprovinces == 1 ? 20 : p + 1);
}

static void school_code(const struct unit_set *u, long s, char *buf, size_t cap,
                        char *parent, size_t pcap)
{
    char pc[16];

    province_code(u, province_of_school(u, s), pc, sizeof pc);
    if (s < u->ndirect) {
        snprintf(buf, cap, "%s9%04ld", pc, s / u->nprovinces + 1);
        if (parent)
            snprintf(parent, pcap, "Sở GDĐT %s", pc);
        return;
    }
    s -= u->ndirect;
    {
        long commune = s % u->ncommunes;
        long n = s / u->ncommunes + 1;
        long local = commune / u->nprovinces + 1;

        snprintf(buf, cap, "%s%03ld%03ld", pc, local, n);
        if (parent)
            snprintf(parent, pcap, "UBND xã %s-%03ld", pc, local);
    }
}

static void school_name(const struct unit_set *u, long s, char *buf, size_t cap)
{
    static const char *const kinds[] = {"Trường Mầm non", "Trường Tiểu học", "Trường THCS"};
    char code[64];

    school_code(u, s, code, sizeof code, NULL, 0);
    if (s < u->ndirect)
        snprintf(buf, cap, "Trường THPT %s %s", given[mix((uint64_t)s) % 40], code);
    else
        snprintf(buf, cap, "%s %s %s", kinds[mix((uint64_t)s) % 3],
                 given[mix((uint64_t)s + 7) % 40], code);
}

static int write_units(const struct unit_set *u, const char *dir)
{
    char path[4096], code[64], name[256], pc[16];
    long c, s;
    int p;
    FILE *f;

    snprintf(path, sizeof path, "%s/units.csv", dir);
    f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "code,name,kind,parent_code\n");
    if (u->nprovinces == 1) {
        fprintf(f, "20,Sở GDĐT tỉnh mẫu,province,\n");
    } else {
        fprintf(f, "00,Bộ GDĐT (toàn quốc),nation,\n");
        for (p = 0; p < u->nprovinces; p++) {
            province_code(u, p, pc, sizeof pc);
            fprintf(f, "%s,Sở GDĐT tỉnh %s %s,province,00\n", pc,
                    given[mix((uint64_t)p + 11) % 40], pc);
        }
    }
    /* Communes and direct units under their province: its Sở ranks them. */
    for (c = 0; c < u->ncommunes; c++) {
        p = (int)(c % u->nprovinces);
        province_code(u, p, pc, sizeof pc);
        fprintf(f, "%s%03ld,UBND xã %s %s-%03ld,xa,%s\n", pc, c / u->nprovinces + 1,
                given[mix((uint64_t)c) % 40], pc, c / u->nprovinces + 1, pc);
    }
    for (s = 0; s < u->ndirect + u->nschools; s++) {
        char commune[64];

        school_code(u, s, code, sizeof code, NULL, 0);
        school_name(u, s, name, sizeof name);
        if (s < u->ndirect) {
            memcpy(pc, code, 2);
            pc[2] = '\0';
            fprintf(f, "%s,%s,direct,%s\n", code, name, pc);
        } else {
            memcpy(commune, code, 5);
            commune[5] = '\0';
            fprintf(f, "%s,%s,school,%s\n", code, name, commune);
        }
    }
    return fclose(f) == 0 ? 0 : -1;
}

static int write_config(const struct unit_set *u, const char *dir)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof path, "%s/bdtx.yaml", dir);
    f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f,
            "# Written by bdtx-gen: a synthetic %s.\n"
            "province: { code: \"%s\", name: \"%s\"%s }\n"
            "database: { conninfo: \"\" }\n"
            "paths: { inbox: inbox, archive: archive, rejected: rejected, reports: reports }\n"
            "# A national export is larger than any province's: room for it.\n"
            "limits: { max_file_mb: 8192, max_uncompressed_mb: 16384, max_rows: 20000000 }\n"
            "school_years:\n"
            "  - id: \"2020-2021\"\n"
            "    start: 2020-09-01\n"
            "    end: 2021-08-31\n"
            "    ranked_level: \"%s\"\n"
            "    units: units.csv\n"
            "    modules:\n"
            "      - { code: M1, name: \"Mô đun một\", aliases: [\"Mô đun 1\"] }\n"
            "      - { code: M2, name: \"Mô đun hai\", aliases: [\"Mô đun 2\"] }\n"
            "      - { code: M3, name: \"Mô đun ba\", aliases: [\"Mô đun 3\"] }\n"
            "    groups:\n"
            "      - { name: A, min_percent: 80 }\n"
            "      - { name: B, min_percent: 50 }\n"
            "      - { name: C, min_percent: 0 }\n",
            u->nprovinces == 1 ? "province" : "nation, as one registry",
            u->nprovinces == 1 ? "20" : "00",
            u->nprovinces == 1 ? "Tỉnh mẫu" : "Toàn quốc",
            u->nprovinces == 1 ? "" : ", department: \"BỘ GIÁO DỤC VÀ ĐÀO TẠO\"",
            u->nprovinces == 1 ? "UBND xã/phường" : "Tỉnh/thành phố");
    return fclose(f) == 0 ? 0 : -1;
}

/* State of pair (learner, module) in week k (1-based): a first state that
 * depends on the school (so units differ), then each week a pair not yet
 * passed moves on one step with probability 1/10 (about 5 % of all pairs). */
static int pair_state(const struct unit_set *u, long learner, int module, int week)
{
    long school = (long)(mix((uint64_t)learner) % (uint64_t)(u->ndirect + u->nschools));
    uint64_t h = hash3((uint64_t)learner, (uint64_t)module, 0);
    unsigned pass = 20 + (unsigned)(mix((uint64_t)school + 99) % 60);   /* percent */
    unsigned r = (unsigned)(h % 100);
    int s = r < pass ? 2 : (h >> 8) % 2 ? 1 : 0;
    int w;

    for (w = 2; w <= week && s < 2; w++)
        if (hash3((uint64_t)learner, (uint64_t)module, (uint64_t)w) % 10 == 0)
            s++;
    return s;
}

struct row {
    char stt[24], name[96], account[24], moet[24], birth[16], role[32], level[32];
    char unit[160], code[64], parent[96], progress[8], score[8], done[16];
    const char *module, *status, *result;
};

static void make_row(const struct unit_set *u, long learner, int module, int week, long seq,
                     struct row *r)
{
    uint64_t h = mix((uint64_t)learner * 31 + 5);
    long school = (long)(mix((uint64_t)learner) % (uint64_t)(u->ndirect + u->nschools));
    int s = pair_state(u, learner, module, week);
    unsigned role = (unsigned)(h % 100);

    snprintf(r->stt, sizeof r->stt, "%ld", seq);
    snprintf(r->name, sizeof r->name, "%s %s %s", family[h % 16], middle[(h >> 8) % 10],
             given[(h >> 16) % 40]);
    snprintf(r->account, sizeof r->account, "%ld", 100000000L + learner);
    snprintf(r->moet, sizeof r->moet, "%010" PRIu64, (uint64_t)((h >> 20) % 10000000000ULL));
    snprintf(r->birth, sizeof r->birth, "%02u/%02u/%u", (unsigned)(h >> 40) % 28 + 1,
             (unsigned)(h >> 45) % 12 + 1, 1965 + (unsigned)(h >> 50) % 35);
    snprintf(r->role, sizeof r->role, "%s", role < 10 ? "CBQL đại trà" : role < 13
             ? "GV cốt cán" : "GV đại trà");
    snprintf(r->level, sizeof r->level, "%s", school < u->ndirect ? "THPT" : "Tiểu học");
    school_name(u, school, r->unit, sizeof r->unit);
    school_code(u, school, r->code, sizeof r->code, r->parent, sizeof r->parent);
    r->module = module_names[module];
    snprintf(r->progress, sizeof r->progress, "%d", s == 2 ? 100 : s == 1
             ? 1 + (int)(hash3((uint64_t)learner, (uint64_t)module, (uint64_t)week) % 99) : 0);
    snprintf(r->score, sizeof r->score, "%s", s == 2 ? "8,5" : "");
    r->status = state_text[s];
    r->result = s == 2 ? "Đạt" : "";
    snprintf(r->done, sizeof r->done, "%s", s == 2 ? "15/10/2020" : "");
}

static const char *row_field(const struct row *r, size_t i)
{
    const char *const f[NCOLS] = {r->stt, r->name, r->account, r->moet, r->birth, r->role,
                                  r->level, r->unit, r->code, r->parent, r->module,
                                  r->progress, r->score, r->status, r->result, r->done};
    return f[i];
}

/* A CSV field: quoted only when it holds a comma (the score "8,5"). */
static void csv_field(FILE *f, const char *s)
{
    if (strchr(s, ','))
        fprintf(f, "\"%s\"", s);
    else
        fputs(s, f);
}

static int write_csv(const struct unit_set *u, const char *path, int week, long *rows,
                     long *changed)
{
    static char buf[1 << 20];
    struct row r;
    long l, seq = 0;
    int m;
    size_t i;
    FILE *f = fopen(path, "w");

    if (!f)
        return -1;
    setvbuf(f, buf, _IOFBF, sizeof buf);
    fputs("\xEF\xBB\xBF", f);
    for (i = 0; i < NCOLS; i++)
        fprintf(f, "%s%s", i ? "," : "", header[i]);
    fputc('\n', f);
    *changed = 0;
    for (l = 0; l < u->learners; l++)
        for (m = 0; m < NMODULES; m++) {
            make_row(u, l, m, week, ++seq, &r);
            if (week > 1 && pair_state(u, l, m, week) != pair_state(u, l, m, week - 1))
                (*changed)++;
            for (i = 0; i < NCOLS; i++) {
                if (i)
                    fputc(',', f);
                csv_field(f, row_field(&r, i));
            }
            fputc('\n', f);
        }
    *rows = seq;
    return fclose(f) == 0 ? 0 : -1;
}

static int write_xlsx(const struct unit_set *u, const char *path, long max_rows, long *rows)
{
    lxw_workbook_options options = {.constant_memory = LXW_TRUE, .tmpdir = NULL,
                                    .use_zip64 = LXW_TRUE};
    lxw_workbook *wb = workbook_new_opt(path, &options);
    lxw_worksheet *ws;
    struct row r;
    long l, seq = 0;
    int m;
    size_t i;

    if (!wb)
        return -1;
    ws = workbook_add_worksheet(wb, "Học viên");
    if (!ws) {
        workbook_close(wb);
        return -1;
    }
    for (i = 0; i < NCOLS; i++)
        if (worksheet_write_string(ws, 0, (lxw_col_t)i, header[i], NULL) != LXW_NO_ERROR)
            goto fail;
    for (l = 0; l < u->learners && seq < max_rows; l++)
        for (m = 0; m < NMODULES && seq < max_rows; m++) {
            lxw_row_t row;

            make_row(u, l, m, 1, ++seq, &r);
            row = (lxw_row_t)seq;
            for (i = 0; i < NCOLS; i++) {
                const char *v = row_field(&r, i);
                lxw_error e;

                /* STT and the account as numbers, as spreadsheets keep them. */
                if (i == 0 || i == 2)
                    e = worksheet_write_number(ws, row, (lxw_col_t)i, strtod(v, NULL), NULL);
                else if (!*v)
                    continue;
                else
                    e = worksheet_write_string(ws, row, (lxw_col_t)i, v, NULL);
                if (e != LXW_NO_ERROR)
                    goto fail;
            }
        }
    *rows = seq;
    return workbook_close(wb) == LXW_NO_ERROR ? 0 : -1;
fail:
    workbook_close(wb);
    return -1;
}

static void usage(void)
{
    fprintf(stderr, "usage: bdtx-gen national [--scale S] [--xlsx-rows N] [--provinces P] DIR\n"
                    "       bdtx-gen province [--scale S] --week K DIR\n");
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"scale", required_argument, NULL, 's'},
        {"week", required_argument, NULL, 'w'},
        {"xlsx-rows", required_argument, NULL, 'x'},
        {"provinces", required_argument, NULL, 'p'},
        {NULL, 0, NULL, 0},
    };
    struct unit_set u;
    double scale = 1.0;
    long xlsx_rows = XLSX_MAX_ROWS, rows = 0, changed = 0;
    int week = 0, opt, provinces = 34;
    bool national;
    const char *dir;
    char path[4096];

    if (argc < 2) {
        usage();
        return 64;
    }
    national = strcmp(argv[1], "national") == 0;
    if (!national && strcmp(argv[1], "province") != 0) {
        usage();
        return 64;
    }
    optind = 2;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        char *end;

        errno = 0;
        if (opt == 's')
            scale = strtod(optarg, &end);
        else if (opt == 'w')
            week = (int)strtol(optarg, &end, 10);
        else if (opt == 'x')
            xlsx_rows = strtol(optarg, &end, 10);
        else if (opt == 'p' && national)
            provinces = (int)strtol(optarg, &end, 10);
        else {
            usage();
            return 64;
        }
        if (errno || *end || end == optarg) {
            fprintf(stderr, "bdtx-gen: bad number '%s'\n", optarg);
            return 64;
        }
    }
    if (optind != argc - 1 || scale <= 0 || scale > 10 || xlsx_rows < 0 ||
        xlsx_rows > XLSX_MAX_ROWS || (!national && (week < 1 || week > 52)) ||
        provinces < 2 || provinces > 34) {
        usage();
        return 64;
    }
    dir = argv[optind];
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "bdtx-gen: %s: %s\n", dir, strerror(errno));
        return 73;
    }
    memset(&u, 0, sizeof u);
    if (national) {
        u.nprovinces = provinces;
        u.ncommunes = 3300L * provinces / 34;
        u.ndirect = 2720L * provinces / 34;
        u.nschools = 42280L * provinces / 34;
        u.learners = (long)(1300000 * scale * provinces / 34 + 0.5);
    } else {
        u.nprovinces = 1;
        u.ncommunes = 100;
        u.ndirect = 80;
        u.nschools = 1220;
        u.learners = (long)(40000 * scale + 0.5);
    }
    if (u.learners < 1)
        u.learners = 1;
    if (write_units(&u, dir) != 0 || write_config(&u, dir) != 0) {
        fprintf(stderr, "bdtx-gen: cannot write %s/units.csv or bdtx.yaml: %s\n", dir,
                strerror(errno));
        return 73;
    }
    printf("units %ld\n", 1 + (national ? u.nprovinces : 0) + u.ncommunes + u.ndirect +
                              u.nschools);
    if (national) {
        snprintf(path, sizeof path, "%s/lms-week1.csv", dir);
        if (write_csv(&u, path, 1, &rows, &changed) != 0)
            goto fail;
        printf("week1_rows %ld\n", rows);
        snprintf(path, sizeof path, "%s/lms-week2.csv", dir);
        if (write_csv(&u, path, 2, &rows, &changed) != 0)
            goto fail;
        printf("week2_rows %ld\nweek2_changed %ld\n", rows, changed);
        if (xlsx_rows > 0) {
            snprintf(path, sizeof path, "%s/lms-week1.xlsx", dir);
            if (write_xlsx(&u, path, xlsx_rows, &rows) != 0)
                goto fail;
            printf("xlsx_rows %ld\n", rows);
        }
    } else {
        snprintf(path, sizeof path, "%s/lms-week%02d.csv", dir, week);
        if (write_csv(&u, path, week, &rows, &changed) != 0)
            goto fail;
        printf("rows %ld\nchanged %ld\n", rows, changed);
    }
    return 0;
fail:
    fprintf(stderr, "bdtx-gen: cannot write %s: %s\n", path, strerror(errno));
    return 73;
}
