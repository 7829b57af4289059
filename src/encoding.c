#include "bdtx/encoding.h"

#include <iconv.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "bdtx/text.h"

const char *legacy_name(enum legacy_kind kind)
{
    return kind == LEGACY_TCVN3 ? "tcvn3" : kind == LEGACY_VNI ? "vni" : "none";
}

/* Windows-1252 0x80..0x9F, where Excel shows a legacy font's bytes. */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
    0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

/* The Latin-1 letters Vietnamese uses; any other character from 0xA1 up
 * (and the Windows-1252 letters above) never occurs in Vietnamese Unicode
 * text, so a cell holding one was typed in a legacy font. */
static bool vietnamese_latin1(unsigned b)
{
    static const char letters[] = "\xC0\xC1\xC2\xC3\xC8\xC9\xCA\xCC\xCD\xD2\xD3\xD4\xD5\xD9\xDA"
                                  "\xDD\xE0\xE1\xE2\xE3\xE8\xE9\xEA\xEC\xED\xF2\xF3\xF4\xF5\xF9"
                                  "\xFA\xFD";

    return memchr(letters, (int)b, sizeof letters - 1) != NULL;
}

/* The cell as the legacy bytes it was typed as (bytes may be NULL: only
 * the verdict); false when some character
 * cannot be such a byte, or when nothing in it betrays a legacy font. */
static bool legacy_bytes(const char *text, size_t len, unsigned char *bytes, size_t *n)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)text;
    utf8proc_ssize_t left = (utf8proc_ssize_t)len;
    bool telltale = false;

    *n = 0;
    while (left > 0) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(p, left, &cp);
        unsigned b;

        if (k <= 0)
            return false;
        p += k;
        left -= k;
        if (cp < 0x80) {
            b = (unsigned)cp;
        } else if (cp <= 0xFF) {
            b = (unsigned)cp;
            if (b >= 0xA1 && !vietnamese_latin1(b))
                telltale = true;
        } else {
            for (b = 0; b < 32 && cp1252_high[b] != cp; b++)
                ;
            if (b == 32)
                return false;
            b += 0x80;
            /* Quotes and dashes are ordinary punctuation; the letters are not. */
            if (cp == 0x0192 || cp == 0x0160 || cp == 0x0152 || cp == 0x017D || cp == 0x0161 ||
                cp == 0x0153 || cp == 0x017E || cp == 0x0178 || cp == 0x02C6 || cp == 0x02DC)
                telltale = true;
        }
        if (bytes)
            bytes[*n] = (unsigned char)b;
        (*n)++;
    }
    return telltale;
}

/* Whether every UTF-8 lead byte of text could start a character that
 * legacy_bytes accepts: U+0080..U+00FF (lead bytes C2, C3) or one of
 * cp1252_high (C5, C6, CB, E2). Any other lead byte (C4 for ă and đ, E1
 * for the toned letters, which most Vietnamese names hold) rules the cell
 * out, as legacy_bytes would after decoding it: a byte loop instead of
 * utf8proc_iterate per character for the names of millions of rows. */
static bool legacy_lead_bytes(const char *text, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        unsigned char b = (unsigned char)text[i];

        if (b >= 0xC0 && b != 0xC2 && b != 0xC3 && b != 0xC5 && b != 0xC6 && b != 0xCB &&
            b != 0xE2)
            return false;
    }
    return true;
}

/* VNI Windows writes a letter as its base letter followed by one byte for
 * the diacritics, apart from a few letters that have a byte of their own.
 * There is no VNI converter in glibc's iconv, and the table is small:
 * hand-written here, as the font vendor's layout documents it. */
static const struct {
    unsigned char lower, upper;
    uint16_t mark1, mark2;      /* combining marks added to the base */
    unsigned bases;             /* which bases take it: 1 a, 2 e, 4 o, 8 u, 16 y, 32 ơ/ư */
} vni_marks[] = {
    {0xF9, 0xD9, 0x0301, 0, 63}, {0xF8, 0xD8, 0x0300, 0, 63}, {0xFB, 0xDB, 0x0309, 0, 63},
    {0xF5, 0xD5, 0x0303, 0, 63}, {0xEF, 0xCF, 0x0323, 0, 63},
    {0xE2, 0xC2, 0x0302, 0, 7}, {0xE1, 0xC1, 0x0302, 0x0301, 7},
    {0xE0, 0xC0, 0x0302, 0x0300, 7}, {0xE5, 0xC5, 0x0302, 0x0309, 7},
    {0xE3, 0xC3, 0x0302, 0x0303, 7}, {0xE4, 0xC4, 0x0302, 0x0323, 7},
    {0xEA, 0xCA, 0x0306, 0, 1}, {0xE9, 0xC9, 0x0306, 0x0301, 1},
    {0xE8, 0xC8, 0x0306, 0x0300, 1}, {0xFA, 0xDA, 0x0306, 0x0309, 1},
    {0xFC, 0xDC, 0x0306, 0x0303, 1}, {0xEB, 0xCB, 0x0306, 0x0323, 1},
};

static const struct {
    unsigned char lower, upper;
    uint16_t lower_cp, upper_cp;
    unsigned base;              /* what a following mark may sit on: 32 for ơ, ư */
} vni_letters[] = {
    {0xF4, 0xD4, 0x01A1, 0x01A0, 32}, {0xF6, 0xD6, 0x01B0, 0x01AF, 32},
    {0xF1, 0xD1, 0x0111, 0x0110, 0}, {0xED, 0xCD, 0x00ED, 0x00CD, 0},
    {0xEC, 0xCC, 0x00EC, 0x00CC, 0}, {0xE6, 0xC6, 0x1EC9, 0x1EC8, 0},
    {0xF3, 0xD3, 0x0129, 0x0128, 0}, {0xF2, 0xD2, 0x1ECB, 0x1ECA, 0},
    {0xEE, 0xCE, 0x1EF5, 0x1EF4, 0},
};

static unsigned vni_base(unsigned char b)
{
    switch (b | 0x20) {
    case 'a': return 1;
    case 'e': return 2;
    case 'o': return 4;
    case 'u': return 8;
    case 'y': return 16;
    default: return 0;
    }
}

/* bytes as VNI into UTF-8 (decomposed); false when they are not VNI. */
static bool vni_decode(const unsigned char *bytes, size_t n, char *out, size_t cap)
{
    size_t i, o = 0, k;
    unsigned base = 0;      /* what the last letter can take, 0 once it has a mark */

    for (i = 0; i < n; i++) {
        unsigned char b = bytes[i];
        utf8proc_int32_t cps[2];
        size_t ncps = 0;

        if (b < 0x80) {
            cps[ncps++] = b;
            base = vni_base(b);
        } else {
            for (k = 0; k < sizeof vni_marks / sizeof vni_marks[0]; k++)
                if (vni_marks[k].lower == b || vni_marks[k].upper == b)
                    break;
            if (k < sizeof vni_marks / sizeof vni_marks[0] && (base & vni_marks[k].bases)) {
                cps[ncps++] = vni_marks[k].mark1;
                if (vni_marks[k].mark2)
                    cps[ncps++] = vni_marks[k].mark2;
                base = 0;
            } else {
                for (k = 0; k < sizeof vni_letters / sizeof vni_letters[0]; k++)
                    if (vni_letters[k].lower == b || vni_letters[k].upper == b)
                        break;
                if (k == sizeof vni_letters / sizeof vni_letters[0])
                    return false;
                cps[ncps++] = b == vni_letters[k].lower ? vni_letters[k].lower_cp
                                                        : vni_letters[k].upper_cp;
                base = vni_letters[k].base;
            }
        }
        for (k = 0; k < ncps; k++) {
            if (o + 5 > cap)
                return false;
            o += (size_t)utf8proc_encode_char(cps[k], (utf8proc_uint8_t *)out + o);
        }
    }
    out[o] = '\0';
    return true;
}

/* TCVN3 (TCVN 5712:1993) is in glibc's iconv. */
static bool tcvn3_decode(const unsigned char *bytes, size_t n, char *out, size_t cap)
{
    iconv_t cd = iconv_open("UTF-8", "TCVN5712-1");
    char *in = (char *)bytes, *o = out;
    size_t inleft = n, outleft = cap - 1;
    bool ok;

    if (cd == (iconv_t)-1)
        return false;
    /* The decoder holds back the last letter, in case a combining mark
     * follows: the second call flushes it. */
    ok = iconv(cd, &in, &inleft, &o, &outleft) != (size_t)-1 && inleft == 0 &&
         iconv(cd, NULL, NULL, &o, &outleft) != (size_t)-1;
    iconv_close(cd);
    *o = '\0';
    return ok;
}

enum legacy_kind legacy_convert(const char *text, size_t len, char **out)
{
    unsigned char *bytes;
    char *utf8;
    size_t n, cap = 4 * len + 8;
    enum legacy_kind kind = LEGACY_NONE;

    *out = NULL;
    /* Most cells are ASCII or plain Unicode: ruled out without allocating,
     * ASCII without decoding. */
    for (n = 0; n < len && !((unsigned char)text[n] & 0x80); n++)
        ;
    if (n == len || !legacy_lead_bytes(text + n, len - n) || !legacy_bytes(text, len, NULL, &n))
        return LEGACY_NONE;
    bytes = malloc(len);
    utf8 = malloc(cap);
    if (bytes && utf8 && legacy_bytes(text, len, bytes, &n)) {
        if (vni_decode(bytes, n, utf8, cap))
            kind = LEGACY_VNI;
        else if (tcvn3_decode(bytes, n, utf8, cap))
            kind = LEGACY_TCVN3;
        if (kind != LEGACY_NONE) {
            *out = text_nfc(utf8);
            if (!*out)
                kind = LEGACY_NONE;
        }
    }
    free(bytes);
    free(utf8);
    return kind;
}
