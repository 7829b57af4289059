/* Unicode text handling through utf8proc: NFC normalisation, and the
 * normalised keys used to compare headers, statuses and names. */
#ifndef BDTX_TEXT_H
#define BDTX_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* NFC-normalised copy of s (malloc'd), or NULL when s is not valid UTF-8
 * or memory runs out. */
char *text_nfc(const char *s);
/* Comparison key: NFC, case-folded, blanks trimmed and runs of white space
 * (including NBSP) collapsed to one space. malloc'd; NULL on invalid UTF-8. */
char *text_key(const char *s);
/* True when words occur in key as whole words (both already text_key()s). */
bool text_has_words(const char *key, const char *words);
/* True when key begins with words, as whole words. */
bool text_starts_with_words(const char *key, const char *words);
/* True when s is valid UTF-8. */
bool text_valid_utf8(const char *s, size_t len);
/* True when every byte of s is a blank. */
bool text_blank(const char *s);
/* How many characters of s (len bytes) XML cannot hold: C0 controls but
 * tab, line feed and carriage return, and U+FFFE, U+FFFF. */
size_t text_xml_invalid(const char *s, size_t len);
/* s with each of them replaced by U+FFFD, malloc'd (NULL when memory runs
 * out): text that reaches a workbook's XML. */
char *text_xml_clean(const char *s, size_t len);
/* The name an import records its count of replaced characters under, beside
 * the legacy encodings it converted (import_conversion.encoding). */
#define TEXT_XML_INVALID "xml-invalid"

#endif
