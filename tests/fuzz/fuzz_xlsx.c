/* The XLSX reader on raw bytes: the zip container as libzip sees it. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_common.h"
#include "fuzz_sheet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_read_sheet(fuzz_write("input.xlsx", data, size));
    return 0;
}
