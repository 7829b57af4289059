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

bool path_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && strcmp(s + n - m, suffix) == 0;
}
