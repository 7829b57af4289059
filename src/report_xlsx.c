#include "bdtx/report_xlsx.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "bdtx/atomic.h"
#include "bdtx/compute.h"
#include "bdtx/text.h"

#ifndef BDTX_VERSION
#define BDTX_VERSION "unknown"
#endif

/* The columns of a ranking table (SPEC section 6): the pairs, the people
 * (rule 10), Δ, rank, group, what the unit needs (rule 11) and the note. */
enum {
    RC_STT, RC_CODE, RC_NAME, RC_GV_ASSIGNED, RC_GV_PASSED, RC_GV_RATE, RC_CBQL_ASSIGNED,
    RC_CBQL_PASSED, RC_CBQL_RATE, RC_ASSIGNED, RC_PASSED, RC_RATE, RC_LEARNERS, RC_COMPLETED,
    RC_LEARNER_RATE, RC_DELTA, RC_RANK, RC_GROUP, RC_TO_NEXT, RC_TO_TOP, RC_NOTE, RANK_COLS
};
#define SCHOOL_COLS 19
#define PROGRESS_COLS 12

/* The words of the workbook, in Vietnamese and in English. */
struct labels {
    const char *sheet_ranking, *sheet_module, *sheet_schools, *sheet_temis, *sheet_people,
        *sheet_trend, *sheet_data;
    const char *title, *title_module, *week, *as_of, *direct, *province_total;
    const char *direct_nation, *nation_total;   /* the same under a nation root */
    const char *cols[RANK_COLS];          /* the ranking tables */
    const char *praise, *chase;           /* the top and bottom highlight rows */
    const char *at_risk;                  /* rule 12, in the note */
    const char *legend, *legend_from, *legend_below;
    const char *chart_title, *chart_rate;
    const char *school_title, *school_cols[SCHOOL_COLS];
    const char *temis_title, *temis_cols[11];
    const char *sheet_progress, *progress_title, *progress_note, *progress_cols[PROGRESS_COLS],
        *yes;
    const char *people_title, *people_note, *people_cols[7], *role_gv, *role_cbql, *not_started,
        *started;
    const char *trend_title, *trend_cols[3], *trend_week, *trend_threshold, *trend_chart;
    const char *data_title, *data_general, *data_province, *data_scope, *data_year, *data_week,
        *data_as_of, *data_learners, *data_pairs, *data_generated, *data_version;
    const char *data_groups, *data_group_cols[2];
    const char *data_imports, *data_import_cols[5];
    const char *data_rejections, *data_rejection_cols[4];
    const char *data_unknown, *data_unknown_cols[2];
    const char *data_duplicates, *data_duplicate_cols[5];
    const char *data_conversions, *data_conversion_cols[3], *data_xml_invalid;
    const char *data_warnings, *none;
    const char *warn[7];                  /* printf formats, by enum report_warning_kind */
    const char *footer;
};

static const struct labels labels_vi = {
    .sheet_ranking = "Xếp hạng",
    .sheet_module = "Mô đun %s",
    .sheet_schools = "Trường",
    .sheet_temis = "TEMIS",
    .sheet_people = "Chưa hoàn thành",
    .sheet_trend = "Xu hướng",
    .sheet_data = "Dữ liệu",
    .title = "KẾT QUẢ BỒI DƯỠNG THƯỜNG XUYÊN NĂM HỌC %s – TUẦN %d (%s – %s)",
    .title_module = "MÔ ĐUN %s: %s – TUẦN %d",
    .week = "Tuần",
    .as_of = "Tính đến ngày %s",
    .direct = "Đơn vị trực thuộc Sở",
    .province_total = "Toàn tỉnh",
    .direct_nation = "Đơn vị trực thuộc Bộ",
    .nation_total = "Toàn quốc",
    .cols = {"STT", "Mã đơn vị", "Tên đơn vị", "GV phải học", "GV hoàn thành", "Tỷ lệ GV",
        "CBQL phải học", "CBQL hoàn thành", "Tỷ lệ CBQL", "Tổng phải học", "Tổng hoàn thành",
        "Tỷ lệ chung", "Người phải học", "Người hoàn thành", "Tỷ lệ người hoàn thành",
        "Δ so với tuần trước (điểm %)", "Xếp hạng", "Nhóm", "Cần thêm để lên nhóm trên",
        "Cần thêm để đạt nhóm %s", "Ghi chú"},
    .praise = "Biểu dương",
    .chase = "Đôn đốc",
    .at_risk = "Nguy cơ trễ hạn",
    .legend = "Nhóm",
    .legend_from = "từ %s %% trở lên",
    .legend_below = "dưới %s %%",
    .chart_title = "Tỷ lệ hoàn thành chung – %s",
    .chart_rate = "Tỷ lệ chung",
    .school_title = "KẾT QUẢ THEO TRƯỜNG – TUẦN %d",
    .school_cols = {"STT", "Mã đơn vị cấp trên", "Đơn vị cấp trên", "Mã trường", "Tên trường",
        "GV phải học", "GV hoàn thành", "Tỷ lệ GV", "CBQL phải học", "CBQL hoàn thành",
        "Tỷ lệ CBQL", "Tổng phải học", "Tổng hoàn thành", "Tỷ lệ chung", "Người phải học",
        "Người hoàn thành", "Tỷ lệ người hoàn thành", "Xếp hạng trong đơn vị", "Nhóm"},
    .sheet_progress = "Tiến độ",
    .progress_title = "TIẾN ĐỘ SO VỚI HẠN HOÀN THÀNH – TUẦN %d",
    .progress_note = "Tốc độ: số hoàn thành tăng thêm mỗi tuần, tính trên %d tuần gần nhất có số "
        "liệu. Dự kiến: ngày đạt nhóm %s nếu giữ tốc độ này; để trống khi không tăng.",
    .progress_cols = {"STT", "Mã đơn vị", "Tên đơn vị", "Mô đun", "Hạn hoàn thành",
        "Tỷ lệ cần đạt đến nay", "Tỷ lệ hiện tại", "Nhóm", "Tốc độ (hoàn thành/tuần)",
        "Cần thêm để đạt nhóm %s", "Dự kiến đạt nhóm %s", "Có nguy cơ không kịp hạn"},
    .yes = "Có",
    .temis_title = "KẾT QUẢ ĐÁNH GIÁ CHUẨN TRÊN TEMIS – TUẦN %d",
    .temis_cols = {"STT", "Mã đơn vị", "Tên đơn vị", "GV: tổng số", "GV: đã tự đánh giá",
        "GV: đã được đánh giá", "Tỷ lệ GV", "CBQL: tổng số", "CBQL: đã tự đánh giá",
        "CBQL: đã được đánh giá", "Tỷ lệ CBQL"},
    .people_title = "DANH SÁCH CHƯA HOÀN THÀNH – TUẦN %d",
    .people_note = "Mỗi dòng một người học còn mô đun chưa hoàn thành; "
        "ô mô đun để trống: đã hoàn thành hoặc không phải học.",
    .people_cols = {"STT", "Đơn vị cấp trên", "Mã trường", "Tên trường", "Tài khoản", "Họ và tên",
        "Đối tượng"},
    .role_gv = "GV",
    .role_cbql = "CBQL",
    .not_started = "Chưa học",
    .started = "Đang học",
    .trend_title = "TỶ LỆ HOÀN THÀNH CHUNG THEO TUẦN – NĂM HỌC %s",
    .trend_cols = {"STT", "Mã đơn vị", "Tên đơn vị"},
    .trend_week = "Tuần %d\n(%s)",
    .trend_threshold = "Ngưỡng nhóm %s",
    .trend_chart = "Tỷ lệ toàn tỉnh và ngưỡng nhóm %s",
    .data_title = "DỮ LIỆU VÀ CẢNH BÁO",
    .data_general = "Thông tin chung",
    .data_province = "Tỉnh",
    .data_scope = "Phạm vi",
    .data_year = "Năm học",
    .data_week = "Tuần",
    .data_as_of = "Tính đến ngày",
    .data_learners = "Số người học",
    .data_pairs = "Số lượt mô đun",
    .data_generated = "Thời điểm tạo",
    .data_version = "Phiên bản bdtx",
    .data_groups = "Ngưỡng nhóm",
    .data_group_cols = {"Nhóm", "Từ (%)"},
    .data_imports = "Tệp đã nhập",
    .data_import_cols = {"Tệp", "Nguồn", "Tính đến ngày", "Số dòng", "Dòng bị từ chối"},
    .data_rejections = "Dòng bị từ chối",
    .data_rejection_cols = {"Tệp", "Dòng", "Cột", "Lý do"},
    .data_unknown = "Đơn vị không có trong danh mục",
    .data_unknown_cols = {"Đơn vị (như trong tệp)", "Số dòng"},
    .data_duplicates = "Dòng trùng lặp (không tính)",
    .data_duplicate_cols = {"Tệp", "Dòng", "Dòng được tính", "Tài khoản", "Mô đun"},
    .data_conversions = "Ô chuyển từ mã tiếng Việt cũ",
    .data_conversion_cols = {"Tệp", "Bảng mã", "Số ô"},
    .data_xml_invalid = "ký tự không hợp lệ, đã thay bằng U+FFFD (số ký tự)",
    .data_warnings = "Cảnh báo",
    .none = "Không có",
    .warn = {
        [WARN_NO_IMPORT_THIS_WEEK] =
            "Không có tệp người học nào trong tuần này: số liệu là của ngày %s.",
        [WARN_NO_PREVIOUS_WEEK] = "Tuần trước chưa có số liệu: cột Δ để trống.",
        [WARN_REJECTED_ROWS] =
            "%" PRId64 " dòng bị từ chối trong các tệp đã nhập (xem Dòng bị từ chối).",
        [WARN_UNREGISTERED_LEARNERS] =
            "%" PRId64 " lượt mô đun của người học thuộc đơn vị không còn trong danh mục: "
            "không được tính.",
        [WARN_UNITS_WITHOUT_LEARNERS] = "%" PRId64 " đơn vị chưa có người học: không xếp hạng.",
        [WARN_REJECTIONS_CUT] = "Chỉ liệt kê %" PRId64 " dòng bị từ chối đầu tiên.",
        [WARN_DUPLICATES] =
            "%" PRId64 " dòng trùng (tài khoản, mô đun) chỉ được tính một lần "
            "(xem Dòng trùng lặp).",
    },
    .footer = "&CTrang &P/&N",
};

static const struct labels labels_en = {
    .sheet_ranking = "Ranking",
    .sheet_module = "Module %s",
    .sheet_schools = "Schools",
    .sheet_temis = "TEMIS",
    .sheet_people = "Not passed",
    .sheet_trend = "Trend",
    .sheet_data = "Data",
    .title = "TRAINING COMPLETION, SCHOOL YEAR %s – WEEK %d (%s – %s)",
    .title_module = "MODULE %s: %s – WEEK %d",
    .week = "Week",
    .as_of = "As of %s",
    .direct = "Units directly under the department",
    .province_total = "Province",
    .direct_nation = "Units directly under the ministry",
    .nation_total = "Nation",
    .cols = {"No.", "Unit code", "Unit", "GV assigned", "GV passed", "GV rate", "CBQL assigned",
        "CBQL passed", "CBQL rate", "Total assigned", "Total passed", "Overall rate",
        "Learners", "Learners completed", "Learner rate", "Δ on last week (points)", "Rank",
        "Group", "Needed for the next group", "Needed for group %s", "Note"},
    .praise = "Praise",
    .chase = "Chase",
    .at_risk = "At risk",
    .legend = "Group",
    .legend_from = "%s %% and above",
    .legend_below = "below %s %%",
    .chart_title = "Overall completion rate – %s",
    .chart_rate = "Overall rate",
    .school_title = "RESULTS BY SCHOOL – WEEK %d",
    .school_cols = {"No.", "Parent code", "Parent unit", "School code", "School", "GV assigned",
        "GV passed", "GV rate", "CBQL assigned", "CBQL passed", "CBQL rate", "Total assigned",
        "Total passed", "Overall rate", "Learners", "Learners completed", "Learner rate",
        "Rank in parent", "Group"},
    .sheet_progress = "Progress",
    .progress_title = "PROGRESS AGAINST THE DEADLINES – WEEK %d",
    .progress_note = "Pace: passes gained per week over the last %d weeks with data. Projected: "
        "the day group %s is reached at this pace; empty when nothing was gained.",
    .progress_cols = {"No.", "Unit code", "Unit", "Module", "Due", "Expected rate by now",
        "Rate", "Group", "Pace (passes/week)", "Needed for group %s", "Group %s projected",
        "At risk of missing the deadline"},
    .yes = "Yes",
    .temis_title = "TEMIS STANDARD ASSESSMENT – WEEK %d",
    .temis_cols = {"No.", "Unit code", "Unit", "GV: total", "GV: self-assessed",
        "GV: head-assessed", "GV rate", "CBQL: total", "CBQL: self-assessed", "CBQL: head-assessed",
        "CBQL rate"},
    .people_title = "LEARNERS NOT YET PASSED – WEEK %d",
    .people_note = "One row per learner with a module not yet passed; "
        "a blank module cell: passed, or not assigned.",
    .people_cols = {"No.", "Parent unit", "School code", "School", "Account", "Full name", "Role"},
    .role_gv = "GV",
    .role_cbql = "CBQL",
    .not_started = "Not started",
    .started = "In progress",
    .trend_title = "OVERALL COMPLETION RATE BY WEEK – SCHOOL YEAR %s",
    .trend_cols = {"No.", "Unit code", "Unit"},
    .trend_week = "Week %d\n(%s)",
    .trend_threshold = "Group %s threshold",
    .trend_chart = "Province rate and the group %s threshold",
    .data_title = "DATA AND WARNINGS",
    .data_general = "General",
    .data_province = "Province",
    .data_scope = "Scope",
    .data_year = "School year",
    .data_week = "Week",
    .data_as_of = "As of",
    .data_learners = "Learners",
    .data_pairs = "Learner modules",
    .data_generated = "Generated",
    .data_version = "bdtx version",
    .data_groups = "Group thresholds",
    .data_group_cols = {"Group", "From (%)"},
    .data_imports = "Files imported",
    .data_import_cols = {"File", "Source", "As of", "Rows", "Rows rejected"},
    .data_rejections = "Rows rejected",
    .data_rejection_cols = {"File", "Row", "Column", "Reason"},
    .data_unknown = "Units not in the registry",
    .data_unknown_cols = {"Unit (as in the file)", "Rows"},
    .data_duplicates = "Duplicate rows (not counted)",
    .data_duplicate_cols = {"File", "Row", "Row counted", "Account", "Module"},
    .data_conversions = "Cells converted from legacy Vietnamese encodings",
    .data_conversion_cols = {"File", "Encoding", "Cells"},
    .data_xml_invalid = "invalid characters, replaced by U+FFFD (characters)",
    .data_warnings = "Warnings",
    .none = "None",
    .warn = {
        [WARN_NO_IMPORT_THIS_WEEK] =
            "No learners export in this week: the figures are those of %s.",
        [WARN_NO_PREVIOUS_WEEK] = "No figures for the previous week: Δ is empty.",
        [WARN_REJECTED_ROWS] =
            "%" PRId64 " rows were rejected in the files imported (see Rows rejected).",
        [WARN_UNREGISTERED_LEARNERS] =
            "%" PRId64 " learner modules in units no longer in the registry were not counted.",
        [WARN_UNITS_WITHOUT_LEARNERS] = "%" PRId64 " units have no learners: they are not ranked.",
        [WARN_REJECTIONS_CUT] = "Only the first %" PRId64 " rejected rows are listed.",
        [WARN_DUPLICATES] =
            "%" PRId64 " rows repeating an (account, module) were counted once "
            "(see Duplicate rows).",
    },
    .footer = "&CPage &P of &N",
};

/* Fills by group position: the first (highest) group green, the last red,
 * those between yellow then orange; the bars of the charts in stronger tones. */
static const lxw_color_t group_fill[] = {0xC6EFCE, 0xFFEB9C, 0xFCD5B4, 0xFFC7CE};
static const lxw_color_t group_bar[] = {0x63BE7B, 0xFFD966, 0xF4B183, 0xF8696B};

static int group_tone(const struct report *rep, int group)
{
    int n = (int)rep->year->ngroups;

    if (group < 0)
        return -1;
    if (group == 0)
        return 0;
    if (group == n - 1)
        return 3;
    return group == 1 ? 1 : 2;
}

enum cell_kind { CK_TEXT, CK_CENTER, CK_INT, CK_RATE, CK_DELTA, CK_DECIMAL, CK_NKINDS };
enum mark { MARK_NONE, MARK_TOP, MARK_BOTTOM, MARK_TOTAL, MARK_NMARKS };

struct xw {
    const struct report *rep;
    const struct labels *l;
    const char *unit_name;               /* a unit's pack, else NULL */
    lxw_workbook *wb;
    uint32_t max_rows;
    lxw_error failed;                    /* the first libxlsxwriter error */
    const char *failed_what;
    lxw_format *cells[CK_NKINDS][5][MARK_NMARKS];  /* [kind][tone + 1][mark] */
    lxw_format *title, *subtitle, *heading, *header, *section, *note, *authority, *dept;
    lxw_format *legend[4];
    lxw_row_t breaks[2];
    char buf[1024];
};

static void check(struct xw *x, lxw_error e, const char *what)
{
    if (e != LXW_NO_ERROR && x->failed == LXW_NO_ERROR) {
        x->failed = e;
        x->failed_what = what;
    }
}

static lxw_format *new_format(struct xw *x)
{
    lxw_format *f = workbook_add_format(x->wb);

    if (!f) {
        check(x, LXW_ERROR_MEMORY_MALLOC_FAILED, "a cell format");
        return NULL;
    }
    format_set_font_name(f, "Times New Roman");
    format_set_font_size(f, 11);
    return f;
}

/* The format of a table cell, made on first use. */
static lxw_format *cell_format(struct xw *x, enum cell_kind kind, int tone, enum mark mark)
{
    lxw_format **slot = &x->cells[kind][tone + 1][mark];
    lxw_format *f;

    if (*slot)
        return *slot;
    f = new_format(x);
    if (!f)
        return NULL;
    format_set_border(f, LXW_BORDER_THIN);
    format_set_border_color(f, 0x808080);
    format_set_align(f, LXW_ALIGN_VERTICAL_CENTER);
    switch (kind) {
    case CK_TEXT: format_set_text_wrap(f); break;
    case CK_CENTER: format_set_align(f, LXW_ALIGN_CENTER); break;
    case CK_INT: format_set_num_format(f, "#,##0"); break;
    case CK_RATE: format_set_num_format(f, "0.00%"); break;
    case CK_DECIMAL: format_set_num_format(f, "#,##0.00"); break;
    case CK_DELTA:
        /* Sign and arrow: up, down in red, level as "=". */
        format_set_num_format(f, "\"▲ \"+0.00;[Red]\"▼ \"-0.00;\"= \"0.00");
        format_set_align(f, LXW_ALIGN_CENTER);
        break;
    default: break;
    }
    if (tone >= 0)
        format_set_bg_color(f, group_fill[tone]);
    if (mark == MARK_TOP || mark == MARK_TOTAL)
        format_set_bold(f);
    if (mark == MARK_BOTTOM) {
        format_set_bold(f);
        format_set_italic(f);
    }
    if (mark == MARK_TOTAL) {
        format_set_top(f, LXW_BORDER_DOUBLE);
        if (tone < 0)
            format_set_bg_color(f, 0xD9E1F2);
    }
    *slot = f;
    return f;
}

static int make_formats(struct xw *x)
{
    int i;

    x->authority = new_format(x);
    x->dept = new_format(x);
    x->title = new_format(x);
    x->subtitle = new_format(x);
    x->heading = new_format(x);
    x->header = new_format(x);
    x->section = new_format(x);
    x->note = new_format(x);
    if (x->failed)
        return -1;
    format_set_align(x->authority, LXW_ALIGN_CENTER);
    format_set_bold(x->dept);
    format_set_align(x->dept, LXW_ALIGN_CENTER);
    format_set_underline(x->dept, LXW_UNDERLINE_SINGLE);
    format_set_bold(x->title);
    format_set_font_size(x->title, 14);
    format_set_align(x->title, LXW_ALIGN_CENTER);
    format_set_align(x->title, LXW_ALIGN_VERTICAL_CENTER);
    format_set_italic(x->subtitle);
    format_set_align(x->subtitle, LXW_ALIGN_CENTER);
    format_set_bold(x->heading);
    format_set_font_size(x->heading, 13);
    format_set_bold(x->header);
    format_set_text_wrap(x->header);
    format_set_align(x->header, LXW_ALIGN_CENTER);
    format_set_align(x->header, LXW_ALIGN_VERTICAL_CENTER);
    format_set_bg_color(x->header, 0xD9E1F2);
    format_set_border(x->header, LXW_BORDER_THIN);
    format_set_border_color(x->header, 0x808080);
    format_set_bold(x->section);
    format_set_font_size(x->section, 12);
    format_set_italic(x->note);
    for (i = 0; i < 4; i++) {
        x->legend[i] = new_format(x);
        if (!x->legend[i])
            return -1;
        format_set_bg_color(x->legend[i], group_fill[i]);
        format_set_border(x->legend[i], LXW_BORDER_THIN);
        format_set_border_color(x->legend[i], 0x808080);
    }
    return x->failed ? -1 : 0;
}

/* The length of s without an incomplete character at its end. A label
 * formatted into a fixed buffer is cut where the bytes run out, and a long
 * name (a registry does not bound them) may be cut inside a character: the
 * XML of a workbook must be whole UTF-8, or it cannot be opened at all.
 * Text is whole UTF-8 where it enters, so only a cut's end can break it. */
static size_t whole_len(const char *s, size_t len)
{
    size_t i = len, need;
    unsigned char lead;

    while (i > 0 && len - i < 3 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--;
    if (i == 0)
        return len;
    lead = (unsigned char)s[i - 1];
    need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    return need > 1 && len - (i - 1) < need ? i - 1 : len;
}

/* whole_len, in place. */
static void cut_whole(char *s)
{
    s[whole_len(s, strlen(s))] = '\0';
}

/* Text fit for the workbook's XML: a character XML cannot hold (imports
 * replace them as they read, but registries and older imports may still
 * carry one) becomes U+FFFD, else Excel and LibreOffice drop the sheet's
 * rows from there on; a character cut at the end is dropped (whole_len).
 * *copy is what to free. */
static const char *xml_fit(struct xw *x, const char *s, char **copy)
{
    size_t len = strlen(s), whole = whole_len(s, len);

    *copy = NULL;
    if (whole == len && text_xml_invalid(s, len) == 0)
        return s;
    *copy = text_xml_clean(s, whole);
    if (!*copy) {
        check(x, LXW_ERROR_MEMORY_MALLOC_FAILED, "a text cell");
        return "";
    }
    return *copy;
}

/* A chart's title, fit for the XML as a cell's text is (the chart keeps a
 * copy of its own). */
static void set_chart_title(struct xw *x, lxw_chart *chart, const char *title)
{
    char *copy;

    chart_title_set_name(chart, xml_fit(x, title, &copy));
    free(copy);
}

/* Standard error sent to /dev/null; returns what restore_stderr needs. */
static int quiet_stderr(void)
{
    int saved, null;

    fflush(stderr);
    saved = dup(STDERR_FILENO);
    null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (saved < 0 || null < 0 || dup2(null, STDERR_FILENO) < 0) {
        if (saved >= 0)
            close(saved);
        saved = -1;
    }
    if (null >= 0)
        close(null);
    return saved;
}

static void restore_stderr(int saved)
{
    if (saved < 0)
        return;
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
}

static void put_text(struct xw *x, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s,
                     lxw_format *f)
{
    char *copy;

    check(x, worksheet_write_string(ws, r, c, xml_fit(x, s, &copy), f), "a text cell");
    free(copy);
}

static void put_number(struct xw *x, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, double v,
                       lxw_format *f)
{
    check(x, worksheet_write_number(ws, r, c, v, f), "a number cell");
}

static void put_blank(struct xw *x, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, lxw_format *f)
{
    check(x, worksheet_write_blank(ws, r, c, f), "a blank cell");
}

/* A rate cell: passed / assigned, or blank when nothing is assigned. */
static void put_rate(struct xw *x, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, int64_t passed,
                     int64_t assigned, lxw_format *f)
{
    if (assigned > 0)
        put_number(x, ws, r, c, compute_rate(passed, assigned), f);
    else
        put_blank(x, ws, r, c, f);
}

static void merge(struct xw *x, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c1, lxw_col_t c2,
                  const char *s, lxw_format *f)
{
    char *copy;

    check(x, worksheet_merge_range(ws, r, c1, r, c2, xml_fit(x, s, &copy), f), "a merged cell");
    free(copy);
}

/* Characters, not bytes, of UTF-8 text: the width a column needs. */
static size_t text_width(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

static double clamp_width(size_t chars, double lo, double hi)
{
    double w = (double)chars * 1.05 + 2.0;

    return w < lo ? lo : w > hi ? hi : w;
}

static const char *vn_date(bdtx_date d, char *buf)
{
    date_format_vn(d, buf);
    return buf;
}

/* Every sheet prints the same way: A4 landscape, one page wide, header rows
 * repeated, page numbers in the footer. */
static void page_setup(struct xw *x, lxw_worksheet *ws, lxw_row_t header_first,
                       lxw_row_t header_last)
{
    worksheet_set_landscape(ws);
    worksheet_set_paper(ws, 9);                    /* A4 */
    worksheet_set_margins(ws, 0.4, 0.4, 0.5, 0.6);
    worksheet_center_horizontally(ws);
    worksheet_fit_to_pages(ws, 1, 0);
    check(x, worksheet_repeat_rows(ws, header_first, header_last), "the repeated header rows");
    check(x, worksheet_set_footer(ws, x->l->footer), "the footer");
    worksheet_freeze_panes(ws, header_last + 1, 0);
}

static lxw_worksheet *add_sheet(struct xw *x, const char *name)
{
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, name);

    if (!ws)
        check(x, LXW_ERROR_MEMORY_MALLOC_FAILED, "a worksheet");
    return ws;
}

static void header_row(struct xw *x, lxw_worksheet *ws, lxw_row_t r, const char *const *cols,
                       size_t n, double height)
{
    size_t c;

    check(x, worksheet_set_row(ws, r, height, NULL), "a row height");
    for (c = 0; c < n; c++)
        put_text(x, ws, r, (lxw_col_t)c, cols[c], x->header);
}

/* The title block of a ranking sheet: authority and department at the
 * left, the title and the as-of date across the table. Rows 0 to 3. */
static void title_block(struct xw *x, lxw_worksheet *ws, const char *title, lxw_col_t last)
{
    const struct report *rep = x->rep;
    char day[16];

    merge(x, ws, 0, 0, 4, rep->cfg->province.authority ? rep->cfg->province.authority : "",
          x->authority);
    merge(x, ws, 1, 0, 4, rep->cfg->province.department ? rep->cfg->province.department : "",
          x->dept);
    check(x, worksheet_set_row(ws, 2, 30, NULL), "a row height");
    merge(x, ws, 2, 0, last, title, x->title);
    snprintf(x->buf, sizeof x->buf, x->l->as_of, vn_date(rep->as_of, day));
    merge(x, ws, 3, 0, last, x->buf, x->subtitle);
}

/* The note's mark of a row, as the computation gave it (rule 13). */
static enum mark row_mark(const struct rank_row *row)
{
    return row->mark == RANK_MARK_PRAISE  ? MARK_TOP
           : row->mark == RANK_MARK_CHASE ? MARK_BOTTOM
                                          : MARK_NONE;
}

/* A count that may be undefined (-1): blank then. */
static void put_count(struct xw *x, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, int64_t v,
                      lxw_format *f)
{
    if (v >= 0)
        put_number(x, ws, r, c, (double)v, f);
    else
        put_blank(x, ws, r, c, f);
}

/* One row of a ranking table, in the columns of SPEC section 6. */
static void ranking_row(struct xw *x, lxw_worksheet *ws, lxw_row_t r, long stt,
                        const char *code, const char *name, const struct rank_row *row,
                        enum mark mark)
{
    const struct figures *f = &row->f;
    int tone = group_tone(x->rep, row->group);
    lxw_format *text = cell_format(x, CK_TEXT, tone, mark);
    lxw_format *center = cell_format(x, CK_CENTER, tone, mark);
    lxw_format *num = cell_format(x, CK_INT, tone, mark);
    lxw_format *rate = cell_format(x, CK_RATE, tone, mark);
    lxw_format *dl = cell_format(x, CK_DELTA, tone, mark);
    char note[256];

    if (stt > 0)
        put_number(x, ws, r, RC_STT, (double)stt, center);
    else
        put_blank(x, ws, r, RC_STT, center);
    put_text(x, ws, r, RC_CODE, code, center);
    put_text(x, ws, r, RC_NAME, name, text);
    put_number(x, ws, r, RC_GV_ASSIGNED, (double)f->gv_assigned, num);
    put_number(x, ws, r, RC_GV_PASSED, (double)f->gv_passed, num);
    put_rate(x, ws, r, RC_GV_RATE, f->gv_passed, f->gv_assigned, rate);
    put_number(x, ws, r, RC_CBQL_ASSIGNED, (double)f->cbql_assigned, num);
    put_number(x, ws, r, RC_CBQL_PASSED, (double)f->cbql_passed, num);
    put_rate(x, ws, r, RC_CBQL_RATE, f->cbql_passed, f->cbql_assigned, rate);
    put_number(x, ws, r, RC_ASSIGNED, (double)f->assigned, num);
    put_number(x, ws, r, RC_PASSED, (double)f->passed, num);
    put_rate(x, ws, r, RC_RATE, f->passed, f->assigned, rate);
    put_number(x, ws, r, RC_LEARNERS, (double)f->learners, num);
    put_number(x, ws, r, RC_COMPLETED, (double)f->completed, num);
    put_rate(x, ws, r, RC_LEARNER_RATE, f->completed, f->learners, rate);
    if (row->has_delta)
        put_number(x, ws, r, RC_DELTA, row->delta_pp, dl);
    else
        put_blank(x, ws, r, RC_DELTA, dl);
    put_count(x, ws, r, RC_RANK, row->rank > 0 ? row->rank : -1, center);
    if (row->group >= 0)
        put_text(x, ws, r, RC_GROUP, x->rep->year->groups[row->group].name, center);
    else
        put_blank(x, ws, r, RC_GROUP, center);
    /* Centred: a number flush right beside the note's text ran into it. */
    put_count(x, ws, r, RC_TO_NEXT, row->to_next, center);
    put_count(x, ws, r, RC_TO_TOP, row->to_top, center);
    note[0] = '\0';
    if (mark == MARK_TOP || mark == MARK_BOTTOM)
        snprintf(note, sizeof note, "%s", mark == MARK_TOP ? x->l->praise : x->l->chase);
    if (row->at_risk)
        snprintf(note + strlen(note), sizeof note - strlen(note), "%s%s", note[0] ? "; " : "",
                 x->l->at_risk);
    if (note[0])
        put_text(x, ws, r, RC_NOTE, note, text);
    else
        put_blank(x, ws, r, RC_NOTE, text);
}

/* The header of a ranking table, the top group's name in its column. */
static void ranking_header(struct xw *x, lxw_worksheet *ws, lxw_row_t r)
{
    const char *cols[RANK_COLS];
    char top[128];
    size_t i;

    for (i = 0; i < RANK_COLS; i++)
        cols[i] = x->l->cols[i];
    snprintf(top, sizeof top, x->l->cols[RC_TO_TOP],
             x->rep->year->ngroups > 0 ? x->rep->year->groups[0].name : "");
    cols[RC_TO_TOP] = top;
    header_row(x, ws, r, cols, RANK_COLS, 48);
}

static void ranking_table(struct xw *x, lxw_worksheet *ws, lxw_row_t *r, const struct ranking *rk)
{
    size_t i;

    ranking_header(x, ws, *r);
    (*r)++;
    for (i = 0; i < rk->nrows; i++, (*r)++) {
        const struct rank_row *row = &rk->rows[i];
        const struct unit *u = &x->rep->reg.units[row->unit];

        ranking_row(x, ws, *r, (long)i + 1, u->code, u->name, row, row_mark(row));
    }
}

/* A column chart of the overall rates of one table, each bar in its group's
 * colour. */
static void ranking_chart(struct xw *x, lxw_worksheet *ws, const char *sheet,
                          const struct ranking *rk, lxw_row_t first, lxw_row_t at,
                          const char *title)
{
    lxw_chart *chart;
    lxw_chart_series *series;
    lxw_chart_fill *fills = NULL;
    lxw_chart_point *points = NULL, **list = NULL;
    lxw_chart_options place = {.x_offset = 5, .y_offset = 5, .x_scale = 2.6, .y_scale = 1.25};
    /* The ranked rate: of people with rank_by: learners. */
    lxw_col_t rate_col = x->rep->year->rank_by_learners ? RC_LEARNER_RATE : RC_RATE;
    size_t i, n = 0;

    while (n < rk->nrows && rk->rows[n].rank > 0)
        n++;
    if (n == 0)
        return;
    chart = workbook_add_chart(x->wb, LXW_CHART_COLUMN);
    fills = calloc(n, sizeof *fills);
    points = calloc(n, sizeof *points);
    list = calloc(n + 1, sizeof *list);
    if (!chart || !fills || !points || !list) {
        check(x, LXW_ERROR_MEMORY_MALLOC_FAILED, "a chart");
        goto done;
    }
    series = chart_add_series(chart, NULL, NULL);
    if (!series) {
        check(x, LXW_ERROR_MEMORY_MALLOC_FAILED, "a chart series");
        goto done;
    }
    chart_series_set_categories(series, sheet, first, 2, first + (lxw_row_t)n - 1, 2);
    chart_series_set_values(series, sheet, first, rate_col, first + (lxw_row_t)n - 1, rate_col);
    chart_series_set_name(series, x->l->chart_rate);
    for (i = 0; i < n; i++) {
        int tone = group_tone(x->rep, rk->rows[i].group);

        fills[i].color = group_bar[tone < 0 ? 3 : tone];
        points[i].fill = &fills[i];
        list[i] = &points[i];
    }
    check(x, chart_series_set_points(series, list), "the chart colours");
    set_chart_title(x, chart, title);
    chart_legend_set_position(chart, LXW_CHART_LEGEND_NONE);
    chart_axis_set_num_format(chart->y_axis, "0%");
    chart_axis_set_min(chart->y_axis, 0);
    chart_axis_set_max(chart->y_axis, 1);
    chart_axis_set_num_font(chart->x_axis, &(lxw_chart_font){.rotation = -45, .size = 8});
    check(x, worksheet_insert_chart_opt(ws, at, 0, chart, &place), "a chart");
done:
    free(fills);
    free(points);
    free(list);
}

/* The legend of the group colours, one row. */
static void legend_row(struct xw *x, lxw_worksheet *ws, lxw_row_t r)
{
    const struct config_year *y = x->rep->year;
    char pct[16];
    size_t g;
    lxw_col_t c = 2;

    put_text(x, ws, r, 1, x->l->legend, x->note);
    for (g = 0; g < y->ngroups && c < RC_NOTE; g++, c += 3) {
        char text[1200];
        int tone = group_tone(x->rep, (int)g);

        if (g + 1 < y->ngroups || y->groups[g].min_centi > 0) {
            value_format_centi(y->groups[g].min_centi, pct, sizeof pct);
            snprintf(x->buf, sizeof x->buf, x->l->legend_from, pct);
        } else {
            value_format_centi(y->groups[g - (g > 0)].min_centi, pct, sizeof pct);
            snprintf(x->buf, sizeof x->buf, x->l->legend_below, pct);
        }
        snprintf(text, sizeof text, "%s %s: %s", x->l->legend, y->groups[g].name, x->buf);
        merge(x, ws, r, c, c + 2, text, x->legend[tone < 0 ? 3 : tone]);
    }
}

static void ranking_columns(struct xw *x, lxw_worksheet *ws, const struct ranking *a,
                            const struct ranking *b)
{
    size_t i, w = text_width(x->l->cols[2]);
    static const double widths[RANK_COLS] = {5, 9, 0, 8.5, 9.5, 8.5, 8.5, 9.5, 8.5, 9, 9.5, 8.5,
                                             8.5, 9.5, 9.5, 11, 7.5, 6, 9.5, 9.5, 25};

    for (i = 0; i < a->nrows; i++) {
        size_t t = text_width(x->rep->reg.units[a->rows[i].unit].name);
        w = t > w ? t : w;
    }
    for (i = 0; i < b->nrows; i++) {
        size_t t = text_width(x->rep->reg.units[b->rows[i].unit].name);
        w = t > w ? t : w;
    }
    for (i = 0; i < RANK_COLS; i++)
        check(x, worksheet_set_column(ws, (lxw_col_t)i, (lxw_col_t)i,
                                      i == RC_NAME ? clamp_width(w, 18, 42) : widths[i], NULL),
              "a column width");
}

/* Xếp hạng, or one module's sheet: title, the ranked-level table, the
 * direct-units table, the province total, the legend and the charts. */
static void ranking_sheet(struct xw *x, const char *name, const char *title,
                          const struct ranking *ranked, const struct ranking *direct,
                          const struct figures *total, int total_group, bool total_has_delta,
                          double total_delta)
{
    struct rank_row total_row = {.unit = -1, .f = *total, .group = total_group,
                                 .has_delta = total_has_delta, .delta_pp = total_delta,
                                 .to_next = -1, .to_top = -1};
    const struct report *rep = x->rep;
    lxw_worksheet *ws = add_sheet(x, name);
    lxw_row_t r = 5, first_ranked, first_direct, chart_at;
    char label[256];
    /* A nation's own workbook: its total and its direct units are the
     * Ministry's. */
    bool nation = !rep->total_unit && report_root_is_nation(rep);

    if (!ws)
        return;
    ranking_columns(x, ws, ranked, direct);
    title_block(x, ws, title, RC_NOTE);
    snprintf(label, sizeof label, "I. %s", report_ranked_level(rep));
    put_text(x, ws, 4, 0, label, x->section);
    page_setup(x, ws, 5, 5);
    check(x, worksheet_autofilter(ws, 5, 0, 5 + (lxw_row_t)ranked->nrows, RC_NOTE),
          "an autofilter");
    first_ranked = r + 1;
    ranking_table(x, ws, &r, ranked);
    r++;
    /* No units directly under the root (a district office's pack, a nation
     * whose units all sit under provinces): no empty table. */
    first_direct = 0;
    if (direct->nrows > 0) {
        snprintf(label, sizeof label, "II. %s", nation ? x->l->direct_nation : x->l->direct);
        put_text(x, ws, r++, 0, label, x->section);
        first_direct = r + 1;
        ranking_table(x, ws, &r, direct);
        r++;
    }
    /* Printed, the province total, the legend and the charts start a page
     * together: the repeated header heads the total row, never an empty
     * table, and no chart starts at the foot of a page. */
    x->breaks[0] = r;
    x->breaks[1] = 0;
    check(x, worksheet_set_h_pagebreaks(ws, x->breaks), "a page break");
    if (rep->total_unit)
        snprintf(label, sizeof label, "%s %s", x->l->province_total, rep->total_unit->name);
    else if (nation)
        snprintf(label, sizeof label, "%s", x->l->nation_total);
    else
        snprintf(label, sizeof label, "%s %s", x->l->province_total,
                 rep->cfg->province.name ? rep->cfg->province.name : "");
    ranking_row(x, ws, r++, 0, rep->total_unit ? rep->total_unit->code : rep->cfg->province.code,
                label, &total_row, MARK_TOTAL);
    r++;
    legend_row(x, ws, r++);
    chart_at = r + 1;
    snprintf(label, sizeof label, x->l->chart_title, report_ranked_level(rep));
    ranking_chart(x, ws, name, ranked, first_ranked, chart_at, label);
    if (direct->nrows > 0) {
        snprintf(label, sizeof label, x->l->chart_title,
                 nation ? x->l->direct_nation : x->l->direct);
        ranking_chart(x, ws, name, direct, first_direct, chart_at + 20, label);
    }
}

static void week_range(const struct report *rep, char *from, char *to)
{
    bdtx_date sunday;

    if (!date_week_sunday(rep->iso_year, rep->week, &sunday))
        sunday = rep->as_of;
    date_format_vn(sunday - 6, from);
    date_format_vn(sunday, to);
}

static void ranking_sheets(struct xw *x)
{
    const struct report *rep = x->rep;
    char title[512], from[16], to[16], name[32];
    size_t m;

    if (rep->nrankings < 2)
        return;
    week_range(rep, from, to);
    snprintf(title, sizeof title, x->l->title, rep->year->id, rep->week, from, to);
    if (x->unit_name)
        snprintf(title + strlen(title), sizeof title - strlen(title), " – %s", x->unit_name);
    ranking_sheet(x, x->l->sheet_ranking, title, &rep->rankings[0], &rep->rankings[1],
                  &rep->total, rep->total_group, rep->total_has_delta, rep->total_delta_pp);
    for (m = 0; m < rep->year->nmodules && 2 * m + 3 < rep->nrankings; m++) {
        const struct config_module *mod = &rep->year->modules[m];
        const struct scope_total *t = &rep->module_totals[m];

        snprintf(name, sizeof name, x->l->sheet_module, mod->code);
        snprintf(title, sizeof title, x->l->title_module, mod->code, mod->name, rep->week);
        ranking_sheet(x, name, title, &rep->rankings[2 * m + 2], &rep->rankings[2 * m + 3],
                      &t->f, t->group, t->has_delta, t->delta_pp);
    }
}

/* A title in row 0 over columns 0..last, the as-of date in row 1. */
static void simple_title(struct xw *x, lxw_worksheet *ws, const char *title, lxw_col_t last)
{
    char day[16];

    check(x, worksheet_set_row(ws, 0, 26, NULL), "a row height");
    merge(x, ws, 0, 0, last, title, x->title);
    snprintf(x->buf, sizeof x->buf, x->l->as_of, vn_date(x->rep->as_of, day));
    merge(x, ws, 1, 0, last, x->buf, x->subtitle);
}

/* Tiến độ (rule 12), when a module has a due date: per module, each unit's
 * expected rate, rate, pace, projection and whether it is at risk. */
static void progress_sheet(struct xw *x)
{
    const struct report *rep = x->rep;
    const char *top = rep->year->ngroups > 0 ? rep->year->groups[0].name : "";
    const char *cols[PROGRESS_COLS];
    char title[256], c9[128], c10[128], day[16];
    static const double widths[PROGRESS_COLS] = {6, 10, 0, 8, 11, 11, 10, 7, 11, 11, 12, 12};
    lxw_worksheet *ws;
    lxw_row_t r = 4;
    size_t i, w = 16;
    bool any = false;

    for (i = 0; i < rep->year->nmodules; i++)
        any = any || rep->year->modules[i].has_due;
    if (!any)
        return;
    ws = add_sheet(x, x->l->sheet_progress);
    if (!ws)
        return;
    for (i = 0; i < rep->nprogress; i++) {
        size_t t = text_width(rep->reg.units[rep->progress[i].unit].name);
        w = t > w ? t : w;
    }
    for (i = 0; i < PROGRESS_COLS; i++) {
        cols[i] = x->l->progress_cols[i];
        check(x, worksheet_set_column(ws, (lxw_col_t)i, (lxw_col_t)i,
                                      i == 2 ? clamp_width(w, 18, 42) : widths[i], NULL),
              "a column width");
    }
    snprintf(c9, sizeof c9, cols[9], top);
    snprintf(c10, sizeof c10, cols[10], top);
    cols[9] = c9;
    cols[10] = c10;
    snprintf(title, sizeof title, x->l->progress_title, rep->week);
    simple_title(x, ws, title, PROGRESS_COLS - 1);
    snprintf(x->buf, sizeof x->buf, x->l->progress_note, rep->pace_weeks, top);
    merge(x, ws, 2, 0, PROGRESS_COLS - 1, x->buf, x->note);
    page_setup(x, ws, 3, 3);
    check(x, worksheet_autofilter(ws, 3, 0, 3 + (lxw_row_t)rep->nprogress, PROGRESS_COLS - 1),
          "an autofilter");
    header_row(x, ws, 3, cols, PROGRESS_COLS, 48);
    for (i = 0; i < rep->nprogress; i++, r++) {
        const struct progress_row *p = &rep->progress[i];
        const struct unit *u = &rep->reg.units[p->unit];
        const struct config_module *mod = &rep->year->modules[p->module];
        int tone = group_tone(rep, p->group);
        enum mark mark = p->at_risk ? MARK_BOTTOM : MARK_NONE;
        lxw_format *center = cell_format(x, CK_CENTER, tone, mark);
        lxw_format *rate = cell_format(x, CK_RATE, tone, mark);

        put_number(x, ws, r, 0, (double)(i + 1), center);
        put_text(x, ws, r, 1, u->code, center);
        put_text(x, ws, r, 2, u->name, cell_format(x, CK_TEXT, tone, mark));
        put_text(x, ws, r, 3, mod->code, center);
        put_text(x, ws, r, 4, vn_date(mod->due, day), center);
        put_number(x, ws, r, 5, p->expected_rate, rate);
        put_rate(x, ws, r, 6, p->passed, p->assigned, rate);
        if (p->group >= 0)
            put_text(x, ws, r, 7, rep->year->groups[p->group].name, center);
        else
            put_blank(x, ws, r, 7, center);
        if (p->has_pace)
            put_number(x, ws, r, 8, p->pace, cell_format(x, CK_DECIMAL, tone, mark));
        else
            put_blank(x, ws, r, 8, center);
        put_count(x, ws, r, 9, p->to_top, cell_format(x, CK_INT, tone, mark));
        if (p->has_projection)
            put_text(x, ws, r, 10, vn_date(p->projected, day), center);
        else
            put_blank(x, ws, r, 10, center);
        if (p->at_risk)
            put_text(x, ws, r, 11, x->l->yes, center);
        else
            put_blank(x, ws, r, 11, center);
    }
}

static void schools_sheet(struct xw *x)
{
    const struct report *rep = x->rep;
    lxw_worksheet *ws = add_sheet(x, x->l->sheet_schools);
    static const double widths[SCHOOL_COLS] = {6, 9, 0, 9, 0, 8.5, 9.5, 8.5, 8.5, 9.5, 8.5, 9,
                                               9.5, 8.5, 8.5, 9.5, 9.5, 9, 6};
    size_t i, wp = 12, ws_ = 12;
    lxw_row_t r = 4;
    char title[256];

    if (!ws)
        return;
    for (i = 0; i < rep->nschools; i++) {
        const struct unit *u = &rep->reg.units[rep->schools[i].unit];
        size_t a = text_width(u->name), b = u->parent >= 0
                                                ? text_width(rep->reg.units[u->parent].name)
                                                : 0;
        ws_ = a > ws_ ? a : ws_;
        wp = b > wp ? b : wp;
    }
    for (i = 0; i < SCHOOL_COLS; i++)
        check(x, worksheet_set_column(ws, (lxw_col_t)i, (lxw_col_t)i,
                                      i == 2   ? clamp_width(wp, 14, 30)
                                      : i == 4 ? clamp_width(ws_, 16, 40)
                                               : widths[i],
                                      NULL),
              "a column width");
    snprintf(title, sizeof title, x->l->school_title, rep->week);
    simple_title(x, ws, title, SCHOOL_COLS - 1);
    page_setup(x, ws, 3, 3);
    check(x, worksheet_autofilter(ws, 3, 0, 3 + (lxw_row_t)rep->nschools, SCHOOL_COLS - 1),
          "an autofilter");
    header_row(x, ws, 3, x->l->school_cols, SCHOOL_COLS, 48);
    for (i = 0; i < rep->nschools; i++, r++) {
        const struct rank_row *s = &rep->schools[i];
        const struct unit *u = &rep->reg.units[s->unit];
        const struct unit *p = u->parent >= 0 ? &rep->reg.units[u->parent] : NULL;
        int tone = group_tone(rep, s->group);
        lxw_format *text = cell_format(x, CK_TEXT, tone, MARK_NONE);
        lxw_format *center = cell_format(x, CK_CENTER, tone, MARK_NONE);
        lxw_format *num = cell_format(x, CK_INT, tone, MARK_NONE);
        lxw_format *rate = cell_format(x, CK_RATE, tone, MARK_NONE);

        put_number(x, ws, r, 0, (double)(i + 1), center);
        put_text(x, ws, r, 1, p ? p->code : "", center);
        put_text(x, ws, r, 2, p ? p->name : "", text);
        put_text(x, ws, r, 3, u->code, center);
        put_text(x, ws, r, 4, u->name, text);
        put_number(x, ws, r, 5, (double)s->f.gv_assigned, num);
        put_number(x, ws, r, 6, (double)s->f.gv_passed, num);
        put_rate(x, ws, r, 7, s->f.gv_passed, s->f.gv_assigned, rate);
        put_number(x, ws, r, 8, (double)s->f.cbql_assigned, num);
        put_number(x, ws, r, 9, (double)s->f.cbql_passed, num);
        put_rate(x, ws, r, 10, s->f.cbql_passed, s->f.cbql_assigned, rate);
        put_number(x, ws, r, 11, (double)s->f.assigned, num);
        put_number(x, ws, r, 12, (double)s->f.passed, num);
        put_rate(x, ws, r, 13, s->f.passed, s->f.assigned, rate);
        put_number(x, ws, r, 14, (double)s->f.learners, num);
        put_number(x, ws, r, 15, (double)s->f.completed, num);
        put_rate(x, ws, r, 16, s->f.completed, s->f.learners, rate);
        put_count(x, ws, r, 17, s->rank > 0 ? s->rank : -1, center);
        if (s->group >= 0)
            put_text(x, ws, r, 18, rep->year->groups[s->group].name, center);
        else
            put_blank(x, ws, r, 18, center);
    }
}

static void temis_cells(struct xw *x, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c,
                        const struct temis_row *t)
{
    lxw_format *num = cell_format(x, CK_INT, -1, MARK_NONE);
    lxw_format *rate = cell_format(x, CK_RATE, -1, MARK_NONE);
    bool head = x->rep->year->temis_metric == TEMIS_HEAD_ASSESSED;

    if (!t) {
        put_blank(x, ws, r, c, num);
        put_blank(x, ws, r, c + 1, num);
        put_blank(x, ws, r, c + 2, num);
        put_blank(x, ws, r, c + 3, rate);
        return;
    }
    put_number(x, ws, r, c, (double)t->total, num);
    put_number(x, ws, r, c + 1, (double)t->self_assessed, num);
    if (t->has_head)
        put_number(x, ws, r, c + 2, (double)t->head_assessed, num);
    else
        put_blank(x, ws, r, c + 2, num);
    if (head && !t->has_head)
        put_blank(x, ws, r, c + 3, rate);
    else
        put_rate(x, ws, r, c + 3, head ? t->head_assessed : t->self_assessed, t->total, rate);
}

/* TEMIS: one row per unit, GV and CBQL side by side. The rows come sorted
 * by unit code and target. */
static void temis_sheet(struct xw *x)
{
    const struct report *rep = x->rep;
    lxw_worksheet *ws = add_sheet(x, x->l->sheet_temis);
    size_t i, nunits = 0, w = 16;
    lxw_row_t r = 4;
    char title[256];
    long stt = 0;

    if (!ws)
        return;
    for (i = 0; i < rep->ntemis; i++) {
        size_t t = text_width(rep->reg.units[rep->temis[i].unit].name);
        w = t > w ? t : w;
        if (i == 0 || rep->temis[i].unit != rep->temis[i - 1].unit)
            nunits++;
    }
    check(x, worksheet_set_column(ws, 0, 0, 6, NULL), "a column width");
    check(x, worksheet_set_column(ws, 1, 1, 10, NULL), "a column width");
    check(x, worksheet_set_column(ws, 2, 2, clamp_width(w, 18, 42), NULL), "a column width");
    check(x, worksheet_set_column(ws, 3, 10, 11, NULL), "a column width");
    snprintf(title, sizeof title, x->l->temis_title, rep->week);
    simple_title(x, ws, title, 10);
    page_setup(x, ws, 3, 3);
    check(x, worksheet_autofilter(ws, 3, 0, 3 + (lxw_row_t)nunits, 10), "an autofilter");
    header_row(x, ws, 3, x->l->temis_cols, 11, 48);
    for (i = 0; i < rep->ntemis;) {
        const struct temis_row *gv = NULL, *cbql = NULL;
        const struct unit *u = &rep->reg.units[rep->temis[i].unit];
        long unit = rep->temis[i].unit;

        for (; i < rep->ntemis && rep->temis[i].unit == unit; i++) {
            if (strcmp(rep->temis[i].target, "gv") == 0)
                gv = &rep->temis[i];
            else
                cbql = &rep->temis[i];
        }
        put_number(x, ws, r, 0, (double)++stt, cell_format(x, CK_CENTER, -1, MARK_NONE));
        put_text(x, ws, r, 1, u->code, cell_format(x, CK_CENTER, -1, MARK_NONE));
        put_text(x, ws, r, 2, u->name, cell_format(x, CK_TEXT, -1, MARK_NONE));
        temis_cells(x, ws, r, 3, gv);
        temis_cells(x, ws, r, 7, cbql);
        r++;
    }
}

/* The columns of Chưa hoàn thành: the learner, then one per module. */
#define PEOPLE_FIXED 7

static lxw_worksheet *people_part(struct xw *x, int part, lxw_row_t *r)
{
    lxw_worksheet *ws;
    char name[40], title[256];
    static const double widths[PEOPLE_FIXED] = {7, 22, 9, 30, 14, 24, 8};
    const struct config_year *year = x->rep->year;
    lxw_col_t last = (lxw_col_t)(PEOPLE_FIXED - 1 + year->nmodules);
    size_t i;

    if (part == 1)
        snprintf(name, sizeof name, "%s", x->l->sheet_people);
    else
        snprintf(name, sizeof name, "%s (%d)", x->l->sheet_people, part);
    ws = add_sheet(x, name);
    if (!ws)
        return NULL;
    for (i = 0; i < PEOPLE_FIXED; i++)
        check(x, worksheet_set_column(ws, (lxw_col_t)i, (lxw_col_t)i, widths[i], NULL),
              "a column width");
    if (year->nmodules > 0)
        check(x, worksheet_set_column(ws, PEOPLE_FIXED, last, 11, NULL), "a column width");
    snprintf(title, sizeof title, x->l->people_title, x->rep->week);
    simple_title(x, ws, title, last);
    merge(x, ws, 2, 0, last, x->l->people_note, x->note);
    page_setup(x, ws, 3, 3);
    header_row(x, ws, 3, x->l->people_cols, PEOPLE_FIXED, 32);
    for (i = 0; i < year->nmodules; i++) {
        snprintf(x->buf, sizeof x->buf, x->l->sheet_module, year->modules[i].code);
        put_text(x, ws, 3, (lxw_col_t)(PEOPLE_FIXED + i), x->buf, x->header);
    }
    *r = 4;
    return ws;
}

/* The list being written: the learner of the current row, and which of its
 * module cells are filled. */
struct people_row {
    char *account;              /* NULL before the first row */
    size_t cap;
    bool *owed;                 /* [nmodules] */
};

/* Blank (bordered) cells for the modules the learner of row r does not owe. */
static void people_row_end(struct xw *x, lxw_worksheet *ws, lxw_row_t r, struct people_row *pr,
                           lxw_format *center)
{
    size_t m;

    for (m = 0; m < x->rep->year->nmodules; m++) {
        if (!pr->owed[m])
            put_blank(x, ws, r, (lxw_col_t)(PEOPLE_FIXED + m), center);
        pr->owed[m] = false;
    }
}

static int people_row_begin(struct people_row *pr, const char *account, bdtx_error *err)
{
    size_t n = strlen(account) + 1;

    if (n > pr->cap) {
        char *p = realloc(pr->account, n);

        if (!p) {
            error_oom(err);
            return -1;
        }
        pr->account = p;
        pr->cap = n;
    }
    memcpy(pr->account, account, n);
    return 0;
}

/* Chưa hoàn thành: one row per learner who has a module not passed, made
 * from the (learner, module) pairs streamed from opt->people, which come
 * learner by learner; continued on a further sheet when a sheet is full.
 * A row per learner rather than per pair is what an officer calls down the
 * list with, and it is also about half the cells of a national workbook.
 * The autofilter of each part is set once its last row is known
 * (libxlsxwriter writes it when the workbook is closed). */
static int people_sheets(struct xw *x, const struct people_source *src, bdtx_error *err)
{
    const struct report *rep = x->rep;
    lxw_col_t last = (lxw_col_t)(PEOPLE_FIXED - 1 + rep->year->nmodules);
    lxw_worksheet *ws;
    lxw_row_t r;
    struct person_row p;
    struct people_row pr = {0};
    int part = 1, rc = 0;
    long stt = 0;
    const struct unit *school = NULL, *parent = NULL;
    lxw_format *text = cell_format(x, CK_TEXT, -1, MARK_NONE);
    lxw_format *center = cell_format(x, CK_CENTER, -1, MARK_NONE);

    ws = people_part(x, part, &r);
    pr.owed = calloc(rep->year->nmodules + 1, sizeof *pr.owed);
    if (!pr.owed) {
        error_oom(err);
        return -1;
    }
    while (ws && src && !x->failed && (rc = src->next(src->ctx, &p, err)) == 1) {
        long m = config_module_index(rep->year, p.module);

        /* A module no longer configured has no column. */
        if (m < 0)
            continue;
        if (!pr.account || strcmp(pr.account, p.account) != 0) {
            if (pr.account) {
                people_row_end(x, ws, r, &pr, center);
                r++;
            }
            if (people_row_begin(&pr, p.account, err) != 0) {
                rc = -1;
                break;
            }
            if (r >= x->max_rows) {
                check(x, worksheet_autofilter(ws, 3, 0, r - 1, last), "an autofilter");
                ws = people_part(x, ++part, &r);
                if (!ws)
                    break;
            }
            if (!school || strcmp(school->code, p.unit_code) != 0) {
                long u = registry_find(&rep->reg, p.unit_code);

                school = u >= 0 ? &rep->reg.units[u] : NULL;
                parent = school && school->parent >= 0 ? &rep->reg.units[school->parent] : NULL;
            }
            put_number(x, ws, r, 0, (double)++stt, center);
            put_text(x, ws, r, 1, parent ? parent->name : "", text);
            put_text(x, ws, r, 2, p.unit_code, center);
            put_text(x, ws, r, 3, school ? school->name : "", text);
            put_text(x, ws, r, 4, p.account, text);
            put_text(x, ws, r, 5, p.full_name, text);
            put_text(x, ws, r, 6,
                     strcmp(p.role, "gv") == 0     ? x->l->role_gv
                     : strcmp(p.role, "cbql") == 0 ? x->l->role_cbql
                                                   : "",
                     center);
        }
        put_text(x, ws, r, (lxw_col_t)(PEOPLE_FIXED + m),
                 p.state == 1 ? x->l->started : x->l->not_started, center);
        pr.owed[m] = true;
    }
    if (ws && pr.account && rc >= 0) {
        people_row_end(x, ws, r, &pr, center);
        r++;
    }
    if (ws && rc >= 0)
        check(x, worksheet_autofilter(ws, 3, 0, r > 4 ? r - 1 : 4, last), "an autofilter");
    free(pr.account);
    free(pr.owed);
    return rc < 0 ? -1 : 0;
}

/* The line chart of Xu hướng, at row r: the province's rate (its row
 * province_row) and the Group A threshold (threshold_row), week by week in
 * columns 3 to last. */
static void trend_chart(struct xw *x, lxw_worksheet *ws, lxw_row_t r, lxw_col_t last,
                        lxw_row_t province_row, lxw_row_t threshold_row)
{
    const struct report *rep = x->rep;
    lxw_chart_options place = {.x_offset = 5, .y_offset = 5, .x_scale = 2.2, .y_scale = 1.2};
    lxw_chart *chart = workbook_add_chart(x->wb, LXW_CHART_LINE);
    lxw_chart_series *s1, *s2;
    char label[256];

    if (!chart) {
        check(x, LXW_ERROR_MEMORY_MALLOC_FAILED, "a chart");
        return;
    }
    s1 = chart_add_series(chart, NULL, NULL);
    s2 = chart_add_series(chart, NULL, NULL);
    if (!s1 || !s2) {
        check(x, LXW_ERROR_MEMORY_MALLOC_FAILED, "a chart series");
        return;
    }
    chart_series_set_categories(s1, x->l->sheet_trend, 3, 3, 3, last);
    chart_series_set_values(s1, x->l->sheet_trend, province_row, 3, province_row, last);
    chart_series_set_name_range(s1, x->l->sheet_trend, province_row, 2);
    chart_series_set_marker_type(s1, LXW_CHART_MARKER_CIRCLE);
    chart_series_set_line(s1, &(lxw_chart_line){.color = 0x2F5597, .width = 2.25});
    chart_series_set_categories(s2, x->l->sheet_trend, 3, 3, 3, last);
    chart_series_set_values(s2, x->l->sheet_trend, threshold_row, 3, threshold_row, last);
    chart_series_set_name_range(s2, x->l->sheet_trend, threshold_row, 2);
    chart_series_set_line(s2, &(lxw_chart_line){.color = 0xC00000, .width = 1.5,
                                                .dash_type = LXW_CHART_LINE_DASH_DASH});
    snprintf(label, sizeof label, x->l->trend_chart,
             rep->year->ngroups ? rep->year->groups[0].name : "");
    set_chart_title(x, chart, label);
    chart_axis_set_num_format(chart->y_axis, "0%");
    chart_axis_set_min(chart->y_axis, 0);
    chart_axis_set_max(chart->y_axis, 1);
    chart_legend_set_position(chart, LXW_CHART_LEGEND_BOTTOM);
    check(x, worksheet_insert_chart_opt(ws, r, 1, chart, &place), "a chart");
}

/* Xu hướng: each ranked and direct unit's overall rate, week by week, the
 * province and the Group A threshold; a line chart of the last two. */
static void trend_sheet(struct xw *x)
{
    const struct report *rep = x->rep;
    const struct trend *t = &rep->trend;
    lxw_worksheet *ws = add_sheet(x, x->l->sheet_trend);
    lxw_col_t last = (lxw_col_t)(2 + t->nweeks);
    lxw_row_t r = 4, province_row, threshold_row;
    size_t w, u, width = 16;
    char title[256], day[16], label[256];
    lxw_format *text = cell_format(x, CK_TEXT, -1, MARK_NONE);
    lxw_format *center = cell_format(x, CK_CENTER, -1, MARK_NONE);
    lxw_format *rate = cell_format(x, CK_RATE, -1, MARK_NONE);
    lxw_format *trate = cell_format(x, CK_RATE, -1, MARK_TOTAL);
    lxw_format *ttext = cell_format(x, CK_TEXT, -1, MARK_TOTAL);
    double threshold = rep->year->ngroups ? rep->year->groups[0].min_centi / 10000.0 : 0;

    if (!ws)
        return;
    for (u = 0; u < t->nunits; u++) {
        size_t n = text_width(rep->reg.units[t->units[u]].name);
        width = n > width ? n : width;
    }
    check(x, worksheet_set_column(ws, 0, 0, 6, NULL), "a column width");
    check(x, worksheet_set_column(ws, 1, 1, 10, NULL), "a column width");
    check(x, worksheet_set_column(ws, 2, 2, clamp_width(width, 18, 42), NULL), "a column width");
    if (t->nweeks)
        /* "(04/10/2020)", the caption's second line, whole. */
        check(x, worksheet_set_column(ws, 3, last, 12, NULL), "a column width");
    snprintf(title, sizeof title, x->l->trend_title, rep->year->id);
    simple_title(x, ws, title, last > 8 ? last : 8);
    page_setup(x, ws, 3, 3);
    check(x, worksheet_autofilter(ws, 3, 0, 3 + (lxw_row_t)t->nunits, last), "an autofilter");
    check(x, worksheet_set_row(ws, 3, 32, NULL), "a row height");
    for (u = 0; u < 3; u++)
        put_text(x, ws, 3, (lxw_col_t)u, x->l->trend_cols[u], x->header);
    for (w = 0; w < t->nweeks; w++) {
        int iy, iw;

        date_iso_week(t->days[w], &iy, &iw);
        snprintf(label, sizeof label, x->l->trend_week, iw, vn_date(t->days[w], day));
        put_text(x, ws, 3, (lxw_col_t)(3 + w), label, x->header);
    }
    for (u = 0; u < t->nunits; u++, r++) {
        const struct unit *unit = &rep->reg.units[t->units[u]];

        put_number(x, ws, r, 0, (double)(u + 1), center);
        put_text(x, ws, r, 1, unit->code, center);
        put_text(x, ws, r, 2, unit->name, text);
        for (w = 0; w < t->nweeks; w++) {
            const struct figures *f = trend_at(t, w, u);

            put_rate(x, ws, r, (lxw_col_t)(3 + w), f->passed, f->assigned, rate);
        }
    }
    /* Printed, the province's rows and the chart start a page together,
     * under the header they belong to: the chart is never cut. */
    province_row = r;
    x->breaks[0] = r;
    x->breaks[1] = 0;
    check(x, worksheet_set_h_pagebreaks(ws, x->breaks), "a page break");
    put_blank(x, ws, r, 0, ttext);
    put_text(x, ws, r, 1, rep->cfg->province.code, ttext);
    /* The root's rate: the nation's under a Ministry root, in a province's
     * pack too. */
    put_text(x, ws, r, 2, report_root_is_nation(rep) ? x->l->nation_total : x->l->province_total,
             ttext);
    for (w = 0; w < t->nweeks; w++)
        put_rate(x, ws, r, (lxw_col_t)(3 + w), t->province[w].passed, t->province[w].assigned,
                 trate);
    threshold_row = ++r;
    snprintf(label, sizeof label, x->l->trend_threshold,
             rep->year->ngroups ? rep->year->groups[0].name : "");
    put_blank(x, ws, r, 0, text);
    put_blank(x, ws, r, 1, text);
    put_text(x, ws, r, 2, label, text);
    for (w = 0; w < t->nweeks; w++)
        put_number(x, ws, r, (lxw_col_t)(3 + w), threshold, rate);
    if (t->nweeks)
        trend_chart(x, ws, r + 2, last, province_row, threshold_row);
}

/* A section heading followed by a header row; returns the first data row. */
static lxw_row_t data_section(struct xw *x, lxw_worksheet *ws, lxw_row_t r, const char *title,
                              const char *const *cols, size_t n)
{
    put_text(x, ws, r, 0, title, x->section);
    if (n)
        header_row(x, ws, r + 1, cols, n, 18);
    return r + 1 + (n ? 1 : 0);
}

/* A line of the general information: its label in A, its value across B to
 * D, wide enough for a long province name or the generation time with its
 * zone on one line (column B alone is sized for the tables below it). */
static void data_pair(struct xw *x, lxw_worksheet *ws, lxw_row_t r, const char *k, const char *v)
{
    put_text(x, ws, r, 0, k, cell_format(x, CK_TEXT, -1, MARK_NONE));
    merge(x, ws, r, 1, 3, v, cell_format(x, CK_TEXT, -1, MARK_NONE));
}

/* The same with a number. */
static void data_count(struct xw *x, lxw_worksheet *ws, lxw_row_t r, const char *k, int64_t v)
{
    lxw_format *num = cell_format(x, CK_INT, -1, MARK_NONE);

    put_text(x, ws, r, 0, k, cell_format(x, CK_TEXT, -1, MARK_NONE));
    merge(x, ws, r, 1, 3, "", num);
    put_number(x, ws, r, 1, (double)v, num);
}

static void iso_or_vn(const char *iso, char *buf)
{
    bdtx_date d;

    if (value_parse_date(iso, &d))
        date_format_vn(d, buf);
    else
        snprintf(buf, 16, "%s", iso);
}

/* The head of Dữ liệu: its title and what the report is of, the week, the
 * date, its counts and the bdtx that wrote it; returns the next row. */
static lxw_row_t data_general(struct xw *x, lxw_worksheet *ws)
{
    const struct report *rep = x->rep;
    const struct labels *l = x->l;
    char value[64], day[16], *scope;
    const char *pname;
    time_t gen = (time_t)rep->generated_at;
    struct tm tm;
    lxw_row_t r;
    long off;
    size_t n;

    check(x, worksheet_set_row(ws, 0, 26, NULL), "a row height");
    merge(x, ws, 0, 0, 4, l->data_title, x->title);
    r = data_section(x, ws, 2, l->data_general, NULL, 0);
    /* The province's name is as long as the configuration makes it: never
     * cut, a character could be cut in two. */
    pname = rep->cfg->province.name ? rep->cfg->province.name : "";
    n = strlen(rep->cfg->province.code) + strlen(pname) + sizeof " – ";
    scope = malloc(n);
    if (scope) {
        snprintf(scope, n, "%s – %s", rep->cfg->province.code, pname);
        data_pair(x, ws, r, report_root_is_nation(rep) ? l->data_scope : l->data_province,
                  scope);
    } else {
        check(x, LXW_ERROR_MEMORY_MALLOC_FAILED, "the province's name");
    }
    free(scope);
    r++;
    data_pair(x, ws, r++, l->data_year, rep->year->id);
    snprintf(value, sizeof value, "%04d-W%02d", rep->iso_year, rep->week);
    data_pair(x, ws, r++, l->data_week, value);
    data_pair(x, ws, r++, l->data_as_of, vn_date(rep->as_of, day));
    data_count(x, ws, r++, l->data_learners, rep->learners);
    data_count(x, ws, r++, l->data_pairs, rep->learner_modules);
    /* In the province's time zone, with its offset. */
    off = rep->generated_offset;
    gen += (time_t)off;
    gmtime_r(&gen, &tm);
    n = strftime(value, sizeof value, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(value + n, sizeof value - n, " (UTC%c%02ld:%02ld)", off < 0 ? '-' : '+',
             labs(off) / 3600, labs(off) % 3600 / 60);
    data_pair(x, ws, r++, l->data_generated, value);
    data_pair(x, ws, r++, l->data_version, BDTX_VERSION);
    return r;
}

/* The files the report's imports came from, with an autofilter; returns
 * the next row. */
static lxw_row_t data_imports(struct xw *x, lxw_worksheet *ws, lxw_row_t r)
{
    const struct report *rep = x->rep;
    lxw_format *text = cell_format(x, CK_TEXT, -1, MARK_NONE);
    lxw_format *center = cell_format(x, CK_CENTER, -1, MARK_NONE);
    lxw_format *num = cell_format(x, CK_INT, -1, MARK_NONE);
    lxw_row_t imports_header = r + 2;
    char day[16];
    size_t i;

    r = data_section(x, ws, r + 1, x->l->data_imports, x->l->data_import_cols, 5);
    check(x, worksheet_autofilter(ws, imports_header, 0,
                                  imports_header + (lxw_row_t)rep->nimports, 4),
          "an autofilter");
    for (i = 0; i < rep->nimports; i++, r++) {
        const struct import_row *im = &rep->imports[i];

        put_text(x, ws, r, 0, im->file, text);
        put_text(x, ws, r, 1, im->source, center);
        iso_or_vn(im->as_of, day);
        put_text(x, ws, r, 2, day, center);
        put_number(x, ws, r, 3, (double)im->rows, num);
        put_number(x, ws, r, 4, (double)im->rejected, num);
    }
    if (rep->nimports == 0)
        put_text(x, ws, r++, 0, x->l->none, x->note);
    return r;
}

/* The report's warnings, one a row, in the workbook's language; returns
 * the next row. */
static lxw_row_t data_warnings(struct xw *x, lxw_worksheet *ws, lxw_row_t r)
{
    const struct report *rep = x->rep;
    const struct labels *l = x->l;
    char day[16];
    size_t i;

    r = data_section(x, ws, r + 1, l->data_warnings, NULL, 0);
    for (i = 0; i < rep->nwarnings; i++, r++) {
        const struct report_warning *w = &rep->warnings[i];

        if (w->kind == WARN_NO_IMPORT_THIS_WEEK)
            snprintf(x->buf, sizeof x->buf, l->warn[w->kind],
                     w->day > 0 ? vn_date(w->day, day) : "—");
        else if (w->kind == WARN_NO_PREVIOUS_WEEK)
            snprintf(x->buf, sizeof x->buf, "%s", l->warn[w->kind]);
        else
            snprintf(x->buf, sizeof x->buf, l->warn[w->kind], w->count);
        put_text(x, ws, r, 0, x->buf, x->note);
    }
    if (rep->nwarnings == 0)
        put_text(x, ws, r++, 0, l->none, x->note);
    return r;
}

/* Dữ liệu: what the figures were computed from, and what to look at. */
/* Thông báo: the week's notice (notice.h), one line a row, numbered, so
 * that the sheet prints and filters as the others do. */
static void notice_sheet(struct xw *x, const char *notice)
{
    static const char *const vi[4] = {"Thông báo", "THÔNG BÁO", "STT", "Nội dung"};
    static const char *const en[4] = {"Notice", "NOTICE", "No.", "Text"};
    const char *const *l = x->l == &labels_en ? en : vi;
    lxw_worksheet *ws;
    lxw_format *text = cell_format(x, CK_TEXT, -1, MARK_NONE);
    lxw_format *center = cell_format(x, CK_CENTER, -1, MARK_NONE);
    lxw_row_t r = 3;
    const char *p = notice, *nl;
    long n = 0;
    char line[2048];

    if (!notice || !(ws = add_sheet(x, l[0])))
        return;
    check(x, worksheet_set_column(ws, 0, 0, 7, NULL), "a column width");
    check(x, worksheet_set_column(ws, 1, 1, 150, NULL), "a column width");
    simple_title(x, ws, l[1], 1);
    page_setup(x, ws, 2, 2);
    put_text(x, ws, 2, 0, l[2], x->header);
    put_text(x, ws, 2, 1, l[3], x->header);
    for (; *p; p = *nl ? nl + 1 : nl) {
        size_t len;

        nl = strchr(p, '\n');
        if (!nl)
            nl = p + strlen(p);
        len = (size_t)(nl - p);
        if (len == 0)
            continue;
        if (len >= sizeof line)
            len = sizeof line - 1;
        memcpy(line, p, len);
        line[len] = '\0';
        put_number(x, ws, r, 0, (double)++n, center);
        put_text(x, ws, r++, 1, line, text);
    }
    check(x, worksheet_autofilter(ws, 2, 0, r > 3 ? r - 1 : 2, 1), "an autofilter");
}

static void data_sheet(struct xw *x)
{
    const struct report *rep = x->rep;
    const struct labels *l = x->l;
    lxw_worksheet *ws = add_sheet(x, l->sheet_data);
    lxw_format *text = cell_format(x, CK_TEXT, -1, MARK_NONE);
    lxw_format *center = cell_format(x, CK_CENTER, -1, MARK_NONE);
    lxw_format *num = cell_format(x, CK_INT, -1, MARK_NONE);
    lxw_row_t r;
    size_t i, wfile = 20;

    if (!ws)
        return;
    for (i = 0; i < rep->nimports; i++) {
        size_t n = text_width(rep->imports[i].file);
        wfile = n > wfile ? n : wfile;
    }
    check(x, worksheet_set_column(ws, 0, 0, clamp_width(wfile, 24, 48), NULL), "a column width");
    check(x, worksheet_set_column(ws, 1, 1, 16, NULL), "a column width");
    check(x, worksheet_set_column(ws, 2, 2, 14, NULL), "a column width");
    check(x, worksheet_set_column(ws, 3, 7, 14, NULL), "a column width");
    r = data_general(x, ws);

    r = data_section(x, ws, r + 1, l->data_groups, l->data_group_cols, 2);
    for (i = 0; i < rep->year->ngroups; i++, r++) {
        int tone = group_tone(rep, (int)i);

        put_text(x, ws, r, 0, rep->year->groups[i].name, x->legend[tone < 0 ? 3 : tone]);
        put_number(x, ws, r, 1, rep->year->groups[i].min_centi / 100.0,
                   cell_format(x, CK_CENTER, -1, MARK_NONE));
    }

    r = data_imports(x, ws, r);

    r = data_section(x, ws, r + 1, l->data_rejections, l->data_rejection_cols, 3);
    merge(x, ws, r - 1, 3, 7, l->data_rejection_cols[3], x->header);
    for (i = 0; i < rep->nrejections; i++, r++) {
        const struct rejection_row *j = &rep->rejections[i];

        put_text(x, ws, r, 0, j->file, text);
        put_number(x, ws, r, 1, (double)j->row, center);
        put_text(x, ws, r, 2, j->column, center);
        /* The reason across the columns the other tables leave narrow. */
        merge(x, ws, r, 3, 7, j->reason, text);
    }
    if (rep->nrejections == 0)
        put_text(x, ws, r++, 0, l->none, x->note);

    r = data_section(x, ws, r + 1, l->data_unknown, l->data_unknown_cols, 2);
    for (i = 0; i < rep->nunknown_units; i++, r++) {
        put_text(x, ws, r, 0, rep->unknown_units[i].name, text);
        put_number(x, ws, r, 1, (double)rep->unknown_units[i].rows, num);
    }
    if (rep->nunknown_units == 0)
        put_text(x, ws, r++, 0, l->none, x->note);

    r = data_section(x, ws, r + 1, l->data_duplicates, l->data_duplicate_cols, 5);
    for (i = 0; i < rep->nduplicates; i++, r++) {
        const struct duplicate_row *d = &rep->duplicates[i];

        put_text(x, ws, r, 0, d->file, text);
        put_number(x, ws, r, 1, (double)d->row, center);
        put_number(x, ws, r, 2, (double)d->kept_row, center);
        put_text(x, ws, r, 3, d->account, text);
        put_text(x, ws, r, 4, d->module, center);
    }
    if (rep->nduplicates == 0)
        put_text(x, ws, r++, 0, l->none, x->note);

    r = data_section(x, ws, r + 1, l->data_conversions, l->data_conversion_cols, 3);
    for (i = 0; i < rep->nconversions; i++, r++) {
        const struct conversion_row *c = &rep->conversions[i];

        put_text(x, ws, r, 0, c->file, text);
        put_text(x, ws, r, 1, strcmp(c->encoding, TEXT_XML_INVALID) == 0 ? l->data_xml_invalid
                                                                         : c->encoding, center);
        put_number(x, ws, r, 2, (double)c->cells, num);
    }
    if (rep->nconversions == 0)
        put_text(x, ws, r++, 0, l->none, x->note);

    data_warnings(x, ws, r);
    page_setup(x, ws, 0, 0);
}

int report_xlsx_write(const struct report *rep, const char *path,
                      const struct report_xlsx_options *opt, bdtx_error *err)
{
    struct xw *x = calloc(1, sizeof *x);
    lxw_workbook_options wopt = {.constant_memory = LXW_TRUE, .tmpdir = NULL,
                                 .use_zip64 = LXW_TRUE};
    lxw_doc_properties props = {0};
    char title[256], subject[256], from[16], to[16];
    lxw_error e;
    int rc = -1, quiet, close_errno;
    bool en;

    if (!x) {
        error_oom(err);
        return -1;
    }
    en = rep->cfg->report.language && strcmp(rep->cfg->report.language, "en") == 0;
    x->rep = rep;
    x->l = en ? &labels_en : &labels_vi;
    x->unit_name = opt ? opt->unit_name : NULL;
    x->max_rows = opt && opt->max_sheet_rows ? opt->max_sheet_rows : REPORT_XLSX_MAX_ROWS;
    if (x->max_rows > REPORT_XLSX_MAX_ROWS)
        x->max_rows = REPORT_XLSX_MAX_ROWS;
    if (x->max_rows < 8)
        x->max_rows = 8;                  /* title, header and at least some rows */
    wopt.tmpdir = opt && opt->tmpdir ? (char *)opt->tmpdir : NULL;
    /* Constant memory: each row goes to a temporary file as soon as the next
     * one starts, so every sheet is written top to bottom. */
    x->wb = workbook_new_opt(path, &wopt);
    if (!x->wb) {
        error_set(err, BDTX_SOFTWARE, "cannot create the workbook %s", path);
        free(x);
        return -1;
    }
    week_range(rep, from, to);
    snprintf(title, sizeof title, x->l->title, rep->year->id, rep->week, from, to);
    snprintf(subject, sizeof subject, "%s – %s", rep->cfg->province.name ? rep->cfg->province.name
                                                                          : "",
             rep->year->id);
    /* The document's properties do not go through xml_fit. */
    cut_whole(title);
    cut_whole(subject);
    props.title = title;
    props.subject = subject;
    props.author = "bdtx " BDTX_VERSION;
    props.company = rep->cfg->province.department;
    props.category = "BDTX";
    props.keywords = "BDTX, TEMIS";
    props.created = (time_t)rep->generated_at;
    check(x, workbook_set_properties(x->wb, &props), "the document properties");
    if (make_formats(x) == 0) {
        ranking_sheets(x);
        schools_sheet(x);
        temis_sheet(x);
        if (rep->cfg->report.include_people &&
            people_sheets(x, opt ? opt->people : NULL, err) != 0) {
            workbook_close(x->wb);
            goto done;
        }
        trend_sheet(x);
        progress_sheet(x);
        notice_sheet(x, opt ? opt->notice : NULL);
        data_sheet(x);
    }
    /* workbook_close frees the workbook even when it fails. Its own lines
     * on standard error are not for officers: what failed is said once,
     * below, with the errno it left. */
    quiet = quiet_stderr();
    errno = 0;
    e = workbook_close(x->wb);
    close_errno = errno;
    restore_stderr(quiet);
    if (e != LXW_NO_ERROR && (close_errno == ENOSPC || close_errno == EDQUOT ||
                              close_errno == EACCES || close_errno == EROFS ||
                              close_errno == EIO || close_errno == EFBIG)) {
        error_set(err, error_code_for_errno(close_errno), "cannot write the workbook: %s",
                  close_errno == ENOSPC || close_errno == EDQUOT ? "no space left on the device"
                                                                 : strerror(close_errno));
        error_place(err, path, 0, NULL);
        goto done;
    }
    if (x->failed != LXW_NO_ERROR) {
        error_set(err, BDTX_SOFTWARE, "cannot write %s to the workbook: %s", x->failed_what,
                  lxw_strerror(x->failed));
        error_place(err, path, 0, NULL);
        goto done;
    }
    if (e != LXW_NO_ERROR) {
        /* Creating the file failed (73 or 74 by errno), or writing it (74). */
        error_set(err, e == LXW_ERROR_CREATING_XLSX_FILE || e == LXW_ERROR_CREATING_TMPFILE
                           ? error_code_for_errno(errno) : BDTX_IOERR,
                  "cannot write the workbook: %s", lxw_strerror(e));
        error_place(err, path, 0, NULL);
        goto done;
    }
    rc = 0;
done:
    free(x);
    return rc;
}
