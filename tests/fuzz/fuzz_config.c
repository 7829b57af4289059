/* The configuration loader on arbitrary YAML, in a folder that holds a unit
 * registry (units.csv) so that a valid file can load whole. */
#include <stdlib.h>
#include <string.h>

#include "bdtx/config.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t units[] = "code,name,kind,parent_code\n20,Sở,department,\n";
    static bool ready;
    struct config cfg;
    bdtx_error err;
    const char *path;

    if (!ready) {
        fuzz_write("units.csv", units, sizeof units - 1);
        ready = true;
    }
    path = fuzz_write("bdtx.yaml", data, size);
    error_clear(&err);
    memset(&cfg, 0, sizeof cfg);
    if (config_load(path, &cfg, &err) == 0) {
        if (err.code != 0 || (cfg.nyears > 0 && !config_year_for_date(&cfg, cfg.years[0].start)))
            abort();
        config_release(&cfg);
    } else if (err.code != BDTX_CONFIG && err.code != BDTX_SOFTWARE) {
        abort();
    }
    return 0;
}
