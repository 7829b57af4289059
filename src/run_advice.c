#include "bdtx/run_advice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The hints of the import name its options; a run has none, so each one
 * maps to what a run reads instead: the name, a NAME.as-of file, the
 * configuration. */
static int hint_names(const bdtx_error *e, const char *option)
{
    return strstr(e->hint, option) != NULL;
}

int run_advice_by_hand(const bdtx_error *e)
{
    return hint_names(e, "--force");
}

/* name with "-" word before its extension: "temis.xlsx" → "temis-gv.xlsx". */
static void name_with(const char *name, const char *word, char *buf, size_t cap)
{
    const char *dot = strrchr(name, '.');
    int stem = dot && dot != name ? (int)(dot - name) : (int)strlen(name);

    snprintf(buf, cap, "%.*s-%s%s", stem, name, word, name + stem);
}

void run_advice_file(const bdtx_error *e, const struct run_place *at, char *buf, size_t cap)
{
    char example[512];

    if (hint_names(e, "--target")) {
        name_with(at->name, "gv", example, sizeof example);
        snprintf(buf, cap, "rename it so that its name says whom it counts, gv or cbql (say "
                 "%s)", example);
    } else if (hint_names(e, "--module")) {
        name_with(at->name, "M1", example, sizeof example);
        snprintf(buf, cap, "rename it so that its name holds the code of its module (say %s, "
                 "with the code as in %s), or add the name its title gives the module to "
                 "that module's aliases in %s", example, at->config, at->config);
    } else if (run_advice_by_hand(e)) {
        snprintf(buf, cap, "if the export is right, import it as it is: bdtx import --force "
                 "%s/%s, then delete it and this note; if not, download it again and put it "
                 "in the inbox", at->rejected, at->name);
    } else if (strstr(e->message, "no school year in the configuration contains")) {
        snprintf(buf, cap, "if its date is wrong, write the right one (YYYY-MM-DD) in a file "
                 "%s.as-of beside it (echo 2020-10-04 > %s/%s.as-of); if it is right, add "
                 "its school year to %s", at->name, at->inbox, at->name, at->config);
    } else if (hint_names(e, "--as-of")) {
        snprintf(buf, cap, "write its date (YYYY-MM-DD) in a file %s.as-of beside it "
                 "(echo 2020-10-04 > %s/%s.as-of)", at->name, at->inbox, at->name);
    } else if (e->hint[0]) {
        snprintf(buf, cap, "%s", e->hint);
    } else {
        snprintf(buf, cap, "fix the file, or download it again");
    }
}

char *run_advice_err_text(const bdtx_error *e, const struct run_place *at)
{
    char advice[2048], *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);

    if (!mem)
        return NULL;
    run_advice_file(e, at, advice, sizeof advice);
    fprintf(mem, "bdtx run did not import %s:\n", at->name);
    if (e->row > 0 && e->column[0])
        fprintf(mem, "  row %ld, column %s: ", e->row, e->column);
    else if (e->row > 0)
        fprintf(mem, "  row %ld: ", e->row);
    else
        fputs("  ", mem);
    fprintf(mem, "%s\n", e->message[0] ? e->message : "unknown error");
    if (e->detail[0])
        fprintf(mem, "  (%s)\n", e->detail);
    if (at->dated_by_mtime)
        fprintf(mem, "  (%s)\n", RUN_ADVICE_MTIME);
    fprintf(mem, "What to do: %s.\n", advice);
    if (run_advice_by_hand(e))
        fputs("Otherwise, once it is fixed, ", mem);
    else
        fputs("Then ", mem);
    fprintf(mem, "move %s back from %s into the inbox, %s: the next bdtx run imports it "
            "and removes this note.\n", at->name, at->rejected, at->inbox);
    if (fclose(mem) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

void run_advice_rows(const char *reason, const char *const *units, size_t n,
                     const char *units_path, const char *config, char *buf, size_t cap)
{
    size_t i, used;

    if (n > 0) {
        used = (size_t)snprintf(buf, cap, "not in the unit registry: ");
        for (i = 0; i < n && used < cap; i++)
            used += (size_t)snprintf(buf + used, cap - used, "%s'%s'", i ? ", " : "",
                                     units[i]);
        if (used < cap)
            snprintf(buf + used, cap - used, "; add a line for each (code,name,kind,"
                     "parent_code[,aliases]; a name the export uses can go in aliases) to %s: "
                     "the next run loads it, and the next export brings their rows in",
                     units_path);
    } else if (reason && strncmp(reason, "unknown module", 14) == 0) {
        snprintf(buf, cap, "add the module's name as the export writes it to the aliases of "
                 "its module in %s: the next export brings those rows in", config);
    } else {
        snprintf(buf, cap, "the sheet Dữ liệu of the week's workbook lists every rejected "
                 "row; the next export brings them in once they are fixed at the source");
    }
}
