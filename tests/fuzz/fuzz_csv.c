/* The CSV reader (through sheet_open): encodings, delimiters, quoting. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_common.h"
#include "fuzz_sheet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A zip goes to the XLSX reader, which has targets of its own. */
    if (size >= 2 && data[0] == 'P' && data[1] == 'K')
        return -1;
    fuzz_read_sheet(fuzz_write("input.csv", data, size));
    return 0;
}
