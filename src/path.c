#include "bdtx/path.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *path_dir(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

const char *path_base(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}

char *path_join(const char *dir, const char *rel)
{
    size_t dlen = strlen(dir), rlen = strlen(rel);
    bool slash = dlen > 0 && dir[dlen - 1] != '/';
    char *out;

    if (rel[0] == '/' || strcmp(dir, ".") == 0)
        return strdup(rel);
    out = malloc(dlen + slash + rlen + 1);
    if (!out)
        return NULL;
    memcpy(out, dir, dlen);
    if (slash)
        out[dlen] = '/';
    memcpy(out + dlen + slash, rel, rlen + 1);
    return out;
}

char *path_clean(const char *path)
{
    size_t len = strlen(path), out = 0, i = 0;
    char *clean;

    if (path[0] != '/')
        return strdup(path);
    clean = malloc(len + 2);
    if (!clean)
        return NULL;
    while (i < len) {
        size_t start, part;

        while (i < len && path[i] == '/')
            i++;
        start = i;
        while (i < len && path[i] != '/')
            i++;
        part = i - start;
        if (part == 0 || (part == 1 && path[start] == '.'))
            continue;
        if (part == 2 && path[start] == '.' && path[start + 1] == '.') {
            while (out > 0 && clean[out - 1] != '/')
                out--;
            if (out > 0)
                out--;      /* the slash before the part dropped */
            continue;
        }
        clean[out++] = '/';
        memcpy(clean + out, path + start, part);
        out += part;
    }
    if (out == 0)
        clean[out++] = '/';
    clean[out] = '\0';
    return clean;
}

char *path_resolve(const char *path)
{
    char *copy, *real = NULL, *joined, *clean;
    size_t cut;

    if (path[0] != '/')
        return strdup(path);
    copy = strdup(path);
    if (!copy)
        return NULL;
    /* The longest leading part that exists, cut at a slash. */
    for (cut = strlen(copy); cut > 0; ) {
        char saved = copy[cut];

        copy[cut] = '\0';
        real = realpath(copy, NULL);
        copy[cut] = saved;
        if (real)
            break;
        while (cut > 0 && copy[cut - 1] != '/')
            cut--;
        while (cut > 0 && copy[cut - 1] == '/')
            cut--;
    }
    if (!real)
        real = strdup("/");
    joined = real ? path_join(real, path[cut] ? copy + cut + strspn(copy + cut, "/") : "") : NULL;
    clean = joined ? path_clean(joined) : NULL;
    free(joined);
    free(real);
    free(copy);
    return clean;
}

bool path_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && strcmp(s + n - m, suffix) == 0;
}

char *path_normal(const char *path)
{
    char *cwd = NULL, *joined, *out;
    size_t n = 0, i = 0;

    if (path[0] != '/') {
        cwd = getcwd(NULL, 0);
        if (!cwd)
            return NULL;
    }
    joined = path_join(cwd ? cwd : "/", path);
    free(cwd);
    if (!joined)
        return NULL;
    out = malloc(strlen(joined) + 2);
    if (!out) {
        free(joined);
        return NULL;
    }
    /* Each component in turn: "" and "." dropped, ".." takes one back. */
    while (joined[i]) {
        size_t start, len;

        while (joined[i] == '/')
            i++;
        start = i;
        while (joined[i] && joined[i] != '/')
            i++;
        len = i - start;
        if (len == 0 || (len == 1 && joined[start] == '.'))
            continue;
        if (len == 2 && joined[start] == '.' && joined[start + 1] == '.') {
            while (n > 0 && out[n - 1] != '/')
                n--;
            if (n > 0)
                n--;
            continue;
        }
        out[n++] = '/';
        memcpy(out + n, joined + start, len);
        n += len;
    }
    if (n == 0)
        out[n++] = '/';
    out[n] = '\0';
    free(joined);
    return out;
}

bool path_overlap(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b), n = na < nb ? na : nb;

    if (strncmp(a, b, n) != 0)
        return false;
    if (na == nb)
        return true;
    /* The shorter is a folder holding the longer ("/" holds everything). */
    return n == 1 || (na > nb ? a[n] : b[n]) == '/';
}

const char *path_name_problem(const char *s)
{
    const unsigned char *p;

    if (!s[0])
        return "is empty";
    if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return "names a folder ('.' or '..')";
    if (strchr(s, '/') || strchr(s, '\\'))
        return "holds a '/' or '\\'";
    for (p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return "holds a control character";
    return NULL;
}
