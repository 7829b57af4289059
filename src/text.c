#include "bdtx/text.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

bool text_valid_utf8(const char *s, size_t len)
{
    utf8proc_ssize_t off = 0, n;
    utf8proc_int32_t cp;

    while ((size_t)off < len) {
        if (!((unsigned char)s[off] & 0x80)) {
            off++;          /* ASCII, most of an export: no decoding */
            continue;
        }
        n = utf8proc_iterate((const utf8proc_uint8_t *)s + off,
                             (utf8proc_ssize_t)(len - (size_t)off), &cp);
        if (n < 0)
            return false;
        off += n;
    }
    return true;
}

bool text_blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return false;
    return true;
}

/* Whether s is valid UTF-8 already in NFC by a sufficient test: every code
 * point below U+0300 or a precomposed Latin letter (U+1E00-U+1EFF). None of
 * these has NFC_Quick_Check No or Maybe, and without a combining mark nothing
 * composes or reorders. Vietnamese text in NFC passes (ă đ ơ ư are below
 * U+0300, the toned letters in U+1EA0-U+1EF9); anything else takes the full
 * utf8proc path. An export has a name on each of millions of rows, and this
 * test costs a fraction of utf8proc_map. */
static bool nfc_already(const char *s)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    utf8proc_int32_t cp;
    utf8proc_ssize_t n;

    while (*p) {
        if (*p < 0x80) {
            p++;
            continue;
        }
        n = utf8proc_iterate(p, -1, &cp);
        if (n < 0 || (cp >= 0x300 && (cp < 0x1E00 || cp > 0x1EFF)))
            return false;
        p += n;
    }
    return true;
}

char *text_nfc(const char *s)
{
    utf8proc_uint8_t *out = NULL;

    if (nfc_already(s))
        return strdup(s);
    if (utf8proc_map((const utf8proc_uint8_t *)s, 0, &out,
                     UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE) < 0)
        return NULL;
    return (char *)out;
}

static bool is_space_cp(utf8proc_int32_t cp)
{
    return cp == ' ' || cp == '\t' || cp == '\r' || cp == '\n' || cp == 0xA0 ||
           cp == 0x2007 || cp == 0x202F || cp == 0xFEFF || cp == 0x200B ||
           utf8proc_category(cp) == UTF8PROC_CATEGORY_ZS;
}

char *text_key(const char *s)
{
    utf8proc_uint8_t *folded = NULL;
    utf8proc_ssize_t len;
    char *out, *w;
    const utf8proc_uint8_t *p;
    utf8proc_int32_t cp;
    utf8proc_ssize_t n;
    bool pending_space = false;

    len = utf8proc_map((const utf8proc_uint8_t *)s, 0, &folded,
                       UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE |
                       UTF8PROC_CASEFOLD);
    if (len < 0)
        return NULL;
    out = malloc((size_t)len + 1);
    if (!out) {
        free(folded);
        return NULL;
    }
    w = out;
    for (p = folded; *p; p += n) {
        n = utf8proc_iterate(p, -1, &cp);
        if (n < 0) {
            free(folded);
            free(out);
            return NULL;
        }
        if (is_space_cp(cp)) {
            pending_space = w != out;
            continue;
        }
        if (pending_space)
            *w++ = ' ';
        pending_space = false;
        memcpy(w, p, (size_t)n);
        w += n;
    }
    *w = '\0';
    free(folded);
    return out;
}

bool text_has_words(const char *key, const char *words)
{
    size_t n = strlen(words);
    const char *p = key;

    while ((p = strstr(p, words)) != NULL) {
        bool start = p == key || p[-1] == ' ';
        bool end = p[n] == '\0' || p[n] == ' ';

        if (start && end)
            return true;
        p++;
    }
    return false;
}

bool text_starts_with_words(const char *key, const char *words)
{
    size_t n = strlen(words);

    return strncmp(key, words, n) == 0 && (key[n] == '\0' || key[n] == ' ');
}

/* Length of the character XML 1.0 cannot hold at s (a C0 control other
 * than tab, line feed and carriage return; U+FFFE; U+FFFF), else 0. */
static size_t xml_invalid_at(const unsigned char *s, size_t left)
{
    if (s[0] < 0x20 && s[0] != '\t' && s[0] != '\n' && s[0] != '\r')
        return 1;
    if (s[0] == 0xEF && left >= 3 && s[1] == 0xBF && (s[2] == 0xBE || s[2] == 0xBF))
        return 3;
    return 0;
}

size_t text_xml_invalid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, n = 0, k;

    /* Every cell of every row comes through here: the bytes that cannot
     * start such a character (all of printable ASCII and most of UTF-8)
     * are passed over in a loop of their own. */
    while (i < len) {
        while (i < len && p[i] >= 0x20 && p[i] != 0xEF)
            i++;
        if (i == len)
            break;
        k = xml_invalid_at(p + i, len - i);
        n += k > 0;
        i += k ? k : 1;
    }
    return n;
}

char *text_xml_clean(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    char *out = malloc(len * 3 + 1), *w = out;
    size_t i, k;

    if (!out)
        return NULL;
    for (i = 0; i < len; i += k ? k : 1) {
        k = xml_invalid_at(p + i, len - i);
        if (k) {
            memcpy(w, "\xEF\xBF\xBD", 3);   /* U+FFFD REPLACEMENT CHARACTER */
            w += 3;
        } else {
            *w++ = s[i];
        }
    }
    *w = '\0';
    return out;
}
