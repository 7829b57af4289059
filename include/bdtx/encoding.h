/* Text in the legacy Vietnamese encodings of the 1990s font era, as it
 * reaches an otherwise UTF-8 file: a cell typed with a TCVN3 (ABC) or VNI
 * font and saved as Unicode holds the font's bytes read as Windows-1252
 * ("Tr­êng" or "Tröôøng" for "Trường"). Such a cell is recognised by
 * characters that Vietnamese Unicode text never uses, and converted. */
#ifndef BDTX_ENCODING_H
#define BDTX_ENCODING_H

#include <stddef.h>

enum legacy_kind { LEGACY_NONE, LEGACY_TCVN3, LEGACY_VNI, LEGACY_KINDS };

/* "tcvn3", "vni". */
const char *legacy_name(enum legacy_kind kind);

/* When text (UTF-8) is legacy text, its conversion (NFC, malloc'd) in *out
 * and its kind; LEGACY_NONE with *out NULL when it is not (or when memory
 * runs out: text is then used as it is). */
enum legacy_kind legacy_convert(const char *text, size_t len, char **out);

#endif
