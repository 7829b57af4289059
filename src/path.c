#include "bdtx/path.h"

#include <stdlib.h>
#include <string.h>

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
