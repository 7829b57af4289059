#include "bdtx/index_html.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bdtx/atomic.h"

static const char style[] =
    "body{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,Arial,sans-serif;"
    "margin:0;padding:0 1rem 2rem;color:#1b1b1b;background:#f6f7f9;line-height:1.4}\n"
    "header{padding:1rem 0 .5rem;border-bottom:3px solid #1f5fa8;margin-bottom:1rem}\n"
    "header p{margin:.1rem 0;font-size:.85rem;color:#444}header p.org{text-transform:uppercase}\n"
    "h1{font-size:1.35rem;margin:.4rem 0;color:#1f5fa8}\n"
    "h2{font-size:1.1rem;margin:1.5rem 0 .5rem}\n"
    "table{border-collapse:collapse;width:100%;background:#fff}\n"
    "th,td{border:1px solid #d0d4da;padding:.45rem .6rem;text-align:left;vertical-align:top}\n"
    "th{background:#e8eef6;font-weight:600}\n"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
    ".g{display:inline-block;padding:.05rem .45rem;margin:.1rem .2rem .1rem 0;"
    "border-radius:.6rem;font-size:.85rem;white-space:nowrap}\n"
    ".g0{background:#c6efce;color:#0b5a1e}.g1{background:#ffeb9c;color:#6b5000}"
    ".g2{background:#ffc7ce;color:#8a0010}.g3{background:#e0e0e0;color:#333}\n"
    "a{color:#1f5fa8}a.dl{display:inline-block;margin:.1rem .6rem .1rem 0;"
    "padding:.25rem .6rem;border:1px solid #1f5fa8;border-radius:.3rem;text-decoration:none}\n"
    "p.empty{font-style:italic}\n"
    "@media (max-width:640px){table,thead,tbody,tr,th,td{display:block}thead{display:none}"
    "tr{margin:0 0 .8rem;border:1px solid #d0d4da;background:#fff}"
    "td{border:0;border-bottom:1px solid #eef0f3}td.num{text-align:left}"
    "td::before{content:attr(data-label);display:block;font-size:.75rem;color:#666}}\n";

static void html_text(FILE *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        default: fputc(*s, out);
        }
    }
}

/* A relative URL: every byte outside the unreserved set and '/' escaped,
 * so names with spaces or Vietnamese letters link right on any server. */
static void url_path(FILE *out, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~' || c == '/')
            fputc(c, out);
        else
            fprintf(out, "%%%02X", c);
    }
}

/* "81,23 %": hundredths of a percent, rounded half up, in integers, with the
 * Vietnamese decimal comma whatever the locale. */
static void rate_vi(FILE *out, int64_t passed, int64_t assigned)
{
    int64_t centi;

    if (assigned <= 0) {
        fputs("—", out);
        return;
    }
    centi = (passed * 20000 / assigned + 1) / 2;
    fprintf(out, "%" PRId64 ",%02" PRId64 " %%", centi / 100, centi % 100);
}

static int group_index(const struct config *cfg, const char *year_id, const char *group)
{
    const struct config_year *year = config_year_by_id(cfg, year_id);
    size_t i;

    for (i = 0; year && group && i < year->ngroups; i++)
        if (strcmp(year->groups[i].name, group) == 0)
            return i < 3 ? (int)i : 3;
    return 3;
}

/* "Nhóm A"; a group already named "Nhóm …" keeps its name. */
static void group_label(FILE *out, const char *name)
{
    if (strncmp(name, "Nhóm ", strlen("Nhóm ")) != 0 && strcmp(name, "Nhóm") != 0)
        fputs("Nhóm ", out);
    html_text(out, name);
}

/* "A=3\tB=5\tC=3" as coloured badges, best group first. A group's name may
 * hold spaces and '=': items are split at tabs (rows written before names
 * could hold spaces are split at spaces) and each at its last '='. */
static void group_badges(FILE *out, const struct config *cfg, const char *year_id,
                         const char *counts)
{
    char sep = strchr(counts, '\t') ? '\t' : ' ';
    const char *p = counts;

    while (*p) {
        const char *end = strchr(p, sep), *eq;
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char item[512];

        snprintf(item, sizeof item, "%.*s", (int)len, p);
        eq = strrchr(item, '=');
        if (eq) {
            item[eq - item] = '\0';
            fprintf(out, "<span class=\"g g%d\">", group_index(cfg, year_id, item));
            group_label(out, item);
            fputs(": ", out);
            html_text(out, eq + 1);
            fputs("</span>", out);
        }
        p += len;
        while (*p == sep)
            p++;
    }
}

static void render(FILE *out, const struct config *cfg, const struct index_entry *e, size_t n)
{
    const char *year = NULL;
    size_t i;

    fputs("<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>Kết quả bồi dưỡng thường xuyên – ", out);
    html_text(out, cfg->province.name);
    fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<p class=\"org\">",
            style);
    html_text(out, cfg->province.authority);
    fputs("</p>\n<p class=\"org\">", out);
    html_text(out, cfg->province.department);
    fputs("</p>\n<h1>Kết quả bồi dưỡng thường xuyên hằng tuần</h1>\n"
          "<p>Tải về báo cáo xếp hạng các đơn vị theo tuần</p>\n</header>\n<main>\n", out);
    if (n == 0)
        fputs("<p class=\"empty\">Chưa có báo cáo nào.</p>\n", out);
    for (i = 0; i < n; i++) {
        char day[11];

        if (!year || strcmp(year, e[i].school_year) != 0) {
            if (year)
                fputs("</tbody>\n</table>\n</section>\n", out);
            year = e[i].school_year;
            fputs("<section>\n<h2>Năm học ", out);
            html_text(out, year);
            fputs("</h2>\n<table>\n<thead><tr><th>Tuần</th><th>Tính đến ngày</th>"
                  "<th>Tỷ lệ hoàn thành toàn tỉnh</th><th>Số đơn vị theo nhóm</th>"
                  "<th>Tải về</th></tr></thead>\n<tbody>\n", out);
        }
        date_format_vn(e[i].as_of, day);
        fputs("<tr><td data-label=\"Tuần\">", out);
        {
            const char *w = strstr(e[i].week, "-W");

            fputs("Tuần ", out);
            html_text(out, w ? w + 2 : e[i].week);
            fputs(" (", out);
            html_text(out, e[i].week);
            fputs(")", out);
        }
        fprintf(out, "</td><td data-label=\"Tính đến ngày\">%s</td>"
                     "<td class=\"num\" data-label=\"Tỷ lệ hoàn thành toàn tỉnh\">", day);
        rate_vi(out, e[i].passed, e[i].assigned);
        if (e[i].group) {
            fprintf(out, " <span class=\"g g%d\">",
                    group_index(cfg, e[i].school_year, e[i].group));
            group_label(out, e[i].group);
            fputs("</span>", out);
        }
        fprintf(out, "<br><small>%" PRId64 "/%" PRId64 " lượt hoàn thành</small>",
                e[i].passed, e[i].assigned);
        /* What the Sở reports upward: people who completed every module. */
        if (e[i].has_people) {
            fprintf(out, "<br><small>%" PRId64 "/%" PRId64 " người hoàn thành (",
                    e[i].completed, e[i].learners);
            rate_vi(out, e[i].completed, e[i].learners);
            fputs(")</small>", out);
        }
        fputs("</td><td data-label=\"Số đơn vị theo nhóm\">", out);
        group_badges(out, cfg, e[i].school_year, e[i].group_counts);
        fputs("</td><td data-label=\"Tải về\">", out);
        if (e[i].workbook) {
            fputs("<a class=\"dl\" href=\"", out);
            url_path(out, e[i].workbook);
            fputs("\">Bảng tính Excel</a>", out);
        }
        if (e[i].notice) {
            fputs("<a class=\"dl\" href=\"", out);
            url_path(out, e[i].notice);
            fputs("\">Thông báo</a>", out);
        }
        if (e[i].json) {
            fputs("<a class=\"dl\" href=\"", out);
            url_path(out, e[i].json);
            fputs("\">Dữ liệu JSON</a>", out);
        }
        fputs("</td></tr>\n", out);
    }
    if (year)
        fputs("</tbody>\n</table>\n</section>\n", out);
    fputs("</main>\n</body>\n</html>\n", out);
}

/* Write text to path through a temporary file, unless path already holds
 * it; *changed says whether it was written. */
static int write_page(const char *path, const char *text, size_t len, bool *changed,
                      bdtx_error *err)
{
    struct atomic_file f = {0};

    *changed = false;
    if (atomic_same_content(path, text, len))
        return 0;
    if (atomic_begin(&f, path, err) != 0)
        return -1;
    if (fwrite(text, 1, len, f.fp) != len) {
        error_set(err, error_code_for_errno(errno), "cannot write %s: %s", path, strerror(errno));
        atomic_abort(&f);
        return -1;
    }
    if (atomic_commit(&f, err) != 0)
        return -1;
    *changed = true;
    return 0;
}

int index_html_write(const char *reports_dir, const struct config *cfg,
                     const struct index_entry *entries, size_t n, bool *changed,
                     bdtx_error *err)
{
    char *text = NULL, *path = NULL;
    size_t len = 0, plen = strlen(reports_dir) + sizeof "/index.html";
    FILE *mem;
    int rc = -1;

    *changed = false;
    path = malloc(plen);
    mem = open_memstream(&text, &len);
    if (!path || !mem) {
        error_oom(err);
        if (mem)
            fclose(mem);
        goto done;
    }
    snprintf(path, plen, "%s/index.html", reports_dir);
    render(mem, cfg, entries, n);
    if (fclose(mem) != 0) {
        error_oom(err);
        goto done;
    }
    rc = write_page(path, text, len, changed, err);
done:
    free(text);
    free(path);
    return rc;
}

/* "2020-W47" followed by ext, and nothing else. */
static bool week_file(const char *name, const char *ext, char week[9])
{
    size_t i;

    if (strlen(name) != 8 + strlen(ext) || strcmp(name + 8, ext) != 0)
        return false;
    for (i = 0; i < 8; i++) {
        char c = name[i];

        if (i == 4 ? c != '-' : i == 5 ? c != 'W' : (c < '0' || c > '9'))
            return false;
    }
    memcpy(week, name, 8);
    week[8] = '\0';
    return true;
}

static int cmp_week_desc(const void *a, const void *b)
{
    return strcmp((const char *)b, (const char *)a);
}

static void render_unit(FILE *out, const struct config *cfg, const char *year_id,
                        const char *code, const char *name, const char (*weeks)[9], size_t n,
                        const char *dir)
{
    size_t i;

    fputs("<!DOCTYPE html>\n<html lang=\"vi\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>Kết quả bồi dưỡng thường xuyên – ", out);
    html_text(out, name);
    fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<p class=\"org\">",
            style);
    html_text(out, cfg->province.department ? cfg->province.department : "");
    fputs("</p>\n<h1>", out);
    html_text(out, name);
    fputs(" (", out);
    html_text(out, code);
    fputs(")</h1>\n<p>Kết quả bồi dưỡng thường xuyên hằng tuần của đơn vị, năm học ", out);
    html_text(out, year_id);
    fputs("</p>\n</header>\n<main>\n", out);
    if (n == 0)
        fputs("<p class=\"empty\">Chưa có báo cáo nào.</p>\n", out);
    else
        fputs("<table>\n<thead><tr><th>Tuần</th><th>Tải về</th></tr></thead>\n<tbody>\n", out);
    for (i = 0; i < n; i++) {
        char file[16], *path;
        size_t plen = strlen(dir) + 32;

        fputs("<tr><td data-label=\"Tuần\">Tuần ", out);
        html_text(out, weeks[i] + 6);
        fputs(" (", out);
        html_text(out, weeks[i]);
        fputs(")</td><td data-label=\"Tải về\">", out);
        snprintf(file, sizeof file, "%s.xlsx", weeks[i]);
        fputs("<a class=\"dl\" href=\"", out);
        url_path(out, file);
        fputs("\">Bảng tính Excel</a>", out);
        path = malloc(plen);
        if (path) {
            snprintf(path, plen, "%s/%s.txt", dir, weeks[i]);
            if (access(path, F_OK) == 0) {
                snprintf(file, sizeof file, "%s.txt", weeks[i]);
                fputs("<a class=\"dl\" href=\"", out);
                url_path(out, file);
                fputs("\">Thông báo</a>", out);
            }
            free(path);
        }
        fputs("</td></tr>\n", out);
    }
    if (n > 0)
        fputs("</tbody>\n</table>\n", out);
    fputs("</main>\n</body>\n</html>\n", out);
}

int index_html_write_unit(const char *unit_dir, const struct config *cfg, const char *year_id,
                          const char *code, const char *name, bool *changed, bdtx_error *err)
{
    DIR *d = NULL;
    struct dirent *ent;
    char (*weeks)[9] = NULL, *text = NULL, *path = NULL;
    size_t n = 0, cap = 0, len = 0, plen = strlen(unit_dir) + sizeof "/index.html";
    FILE *mem = NULL;
    int rc = -1;

    *changed = false;
    d = opendir(unit_dir);
    if (!d) {
        error_set(err, BDTX_SOFTWARE, "cannot read folder %s: %s", unit_dir, strerror(errno));
        return -1;
    }
    while ((ent = readdir(d)) != NULL) {
        char week[9];

        if (!week_file(ent->d_name, ".xlsx", week))
            continue;
        if (n == cap) {
            size_t ncap = cap ? 2 * cap : 64;
            char (*grown)[9] = realloc(weeks, ncap * sizeof *weeks);

            if (!grown) {
                error_oom(err);
                goto done;
            }
            weeks = grown;
            cap = ncap;
        }
        memcpy(weeks[n++], week, 9);
    }
    if (n > 1)
        qsort(weeks, n, sizeof *weeks, cmp_week_desc);
    path = malloc(plen);
    mem = open_memstream(&text, &len);
    if (!path || !mem) {
        error_oom(err);
        goto done;
    }
    snprintf(path, plen, "%s/index.html", unit_dir);
    render_unit(mem, cfg, year_id, code, name, (const char (*)[9])weeks, n, unit_dir);
    if (fclose(mem) != 0) {
        mem = NULL;
        error_oom(err);
        goto done;
    }
    mem = NULL;
    rc = write_page(path, text, len, changed, err);
done:
    if (mem)
        fclose(mem);
    closedir(d);
    free(weeks);
    free(text);
    free(path);
    return rc;
}
