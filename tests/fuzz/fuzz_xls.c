/* The XLS reader on raw bytes: the compound file and BIFF records as the
 * checks before FreeXL, and FreeXL itself, see them. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_common.h"
#include "fuzz_sheet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_read_sheet(fuzz_write("input.xls", data, size));
    return 0;
}
