/* The XML parts of an XLSX workbook: the input is split at each 0x01 byte
 * (never valid in XML) into the worksheet, the shared strings, the
 * workbook and its relationships, in that order; parts not given get a
 * plain default. They are zipped (stored, so that the bytes reach expat as
 * they are) and the workbook is read like any export. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "fuzz_common.h"
#include "fuzz_sheet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {
    "xl/worksheets/sheet1.xml",
    "xl/sharedStrings.xml",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
};

static const char *const defaults[] = {
    "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
    "<sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row></sheetData></worksheet>",
    "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
    "<si><t>x</t></si></sst>",
    "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
    "<sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>",
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships/sharedStrings\" Target=\"sharedStrings.xml\"/></Relationships>",
};

#define NPARTS (sizeof names / sizeof names[0])

static void add(zip_t *z, const char *name, const void *bytes, size_t len)
{
    zip_source_t *src = zip_source_buffer(z, bytes, len, 0);
    zip_int64_t idx;

    if (!src)
        abort();
    idx = zip_file_add(z, name, src, ZIP_FL_OVERWRITE);
    if (idx < 0) {
        zip_source_free(src);
        abort();
    }
    if (zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_STORE, 0) < 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *part[NPARTS];
    size_t len[NPARTS], n = 0, start = 0, i;
    const char *path;
    zip_t *z;
    int zerr;

    for (i = 0; i <= size && n < NPARTS; i++) {
        if (i == size || data[i] == 0x01) {
            part[n] = data + start;
            len[n] = i - start;
            n++;
            start = i + 1;
        }
    }
    path = fuzz_write("input.xlsx", NULL, 0);
    unlink(path);
    z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    if (!z)
        abort();
    for (i = 0; i < NPARTS; i++) {
        if (i < n)
            add(z, names[i], part[i], len[i]);
        else
            add(z, names[i], defaults[i], strlen(defaults[i]));
    }
    if (zip_close(z) < 0)
        abort();
    fuzz_read_sheet(path);
    return 0;
}
