/* Header recognition: the input is a table, rows split at '\n' and cells
 * at '\t'; every row up to the search depth is tried as a header, and each
 * cell is looked up as a header name, a status, a result and a role. */
#include <stdlib.h>
#include <string.h>

#include "bdtx/header.h"
#include "bdtx/text.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_CELLS 64

static struct vocab vocab;

/* Built-in vocabulary plus a few configured names, as sources: would add. */
static void vocab_once(void)
{
    static bool done;
    static char *account[] = { "Mã học viên" };
    static char *passed[] = { "Xong" };
    static char *not_passed[] = { "Chưa xong" };
    static struct config_alias alias = {
        .field = "account", .names = { account, 1 }, .line = 1, .column = 1,
    };
    static struct config cfg;
    bdtx_error err;

    if (done)
        return;
    cfg.path = "fuzz.yaml";
    cfg.aliases = &alias;
    cfg.naliases = 1;
    cfg.status_passed = (struct config_strings){ passed, 1 };
    cfg.status_not_passed = (struct config_strings){ not_passed, 1 };
    error_clear(&err);
    if (vocab_init(&vocab, &cfg, &err) != 0)
        abort();
    done = true;
}

static void check_cell(const char *text)
{
    int f = header_field(&vocab, text);
    int s = vocab_status(&vocab, text);
    int r = vocab_result(text);
    enum role role = vocab_role(text);

    if (f < -1 || f >= F_COUNT || s < -1 || s > STATE_PASSED || r < -1 || r > 1 ||
        (role != ROLE_UNKNOWN && role != ROLE_GV && role != ROLE_CBQL))
        abort();
    if (f >= 0 && strcmp(field_name((enum field)f), "?") == 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sheet_cell cells[MAX_CELLS];
    struct header_map map;
    struct sheet_row row;
    char *text, *line, *next;
    long number = 0;

    vocab_once();
    text = fuzz_string(data, size);
    for (line = text; line && number < HEADER_SEARCH_ROWS; line = next) {
        char *cell = line;
        size_t n = 0;

        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        while (cell && n < MAX_CELLS) {
            char *tab = strchr(cell, '\t');

            if (tab)
                *tab = '\0';
            cells[n].text = cell;
            cells[n].len = strlen(cell);
            cells[n].numeric = false;
            cells[n].uncached = false;
            check_cell(cell);
            n++;
            cell = tab ? tab + 1 : NULL;
        }
        row.number = ++number;
        row.ncells = n;
        row.cells = cells;
        memset(&map, 0xa5, sizeof map);
        if (header_match(&vocab, &row, &map)) {
            int f;

            if (map.kind == SOURCE_UNKNOWN || !source_kind_name(map.kind))
                abort();
            for (f = 0; f < F_COUNT; f++)
                if (map.col[f] < -1 || map.col[f] >= (long)n)
                    abort();
        }
    }
    free(text);
    return 0;
}
