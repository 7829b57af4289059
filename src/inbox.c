#include "bdtx/inbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bdtx/atomic.h"
#include "bdtx/hash.h"
#include "bdtx/import.h"
#include "bdtx/log.h"
#include "bdtx/path.h"

static bool skipped_name(const char *name)
{
    return name[0] == '.' || strncmp(name, "~$", 2) == 0 || path_ends_with(name, INBOX_SIDECAR) ||
           path_ends_with(name, ".part") || path_ends_with(name, ".crdownload") ||
           path_ends_with(name, ".tmp") || path_ends_with(name, ".err");
}

/* A sidecar whose export is not there (it was moved without it, or never
 * came) would give its date to a later file of that name: say so. */
static void warn_orphan(const char *dir, const char *sidecar)
{
    size_t len = strlen(sidecar) - strlen(INBOX_SIDECAR);
    char *name = strndup(sidecar, len), *path = name ? path_join(dir, name) : NULL;

    if (path && access(path, F_OK) != 0)
        log_warning("%s/%s: no file %s beside it; remove it, or it will date the next file "
                    "of that name", dir, sidecar, name);
    free(name);
    free(path);
}

/* The sidecar's one line: a date, blanks and a newline around it allowed.
 * Only a regular file is read: a FIFO would hang the run, a link could
 * point anywhere. */
static bool read_sidecar(const char *path, bdtx_date *out)
{
    char buf[64];
    ssize_t n;
    struct stat st;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0)
        return false;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return false;
    }
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 0 || (size_t)n == sizeof buf - 1)
        return false;
    buf[n] = '\0';
    return value_parse_date(buf, out);
}

static int compare_files(const void *a, const void *b)
{
    const struct inbox_file *x = a, *y = b;

    if (x->as_of != y->as_of)
        return x->as_of < y->as_of ? -1 : 1;
    return strcmp(x->path, y->path);
}

void inbox_free(struct inbox_file *files, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free(files[i].path);
        free(files[i].sidecar);
        free(files[i].refused);
    }
    free(files);
}

int inbox_scan(const char *dir, const struct config *cfg, const struct vocab *vocab,
               struct inbox_file **out, size_t *n, bdtx_error *err)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    struct inbox_file *files = NULL;
    size_t count = 0, cap = 0;

    *out = NULL;
    *n = 0;
    if (!d) {
        error_set(err, BDTX_CONFIG, "cannot open the inbox folder %s: %s", dir,
                  strerror(errno));
        error_hint(err, "create it, or set paths.inbox in the configuration");
        return -1;
    }
    while ((errno = 0, e = readdir(d)) != NULL) {
        struct inbox_file *f;
        struct stat st, sst;
        char *side;

        if (path_ends_with(e->d_name, INBOX_SIDECAR))
            warn_orphan(dir, e->d_name);
        if (skipped_name(e->d_name))
            continue;
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct inbox_file *grown = realloc(files, ncap * sizeof *grown);

            if (!grown)
                goto oom;
            files = grown;
            cap = ncap;
        }
        f = &files[count];
        memset(f, 0, sizeof *f);
        f->path = path_join(dir, e->d_name);
        if (!f->path)
            goto oom;
        /* Only regular files are read. A link is refused (it could point
         * at any file of the system, and the archive would keep only the
         * link); a FIFO, socket or device is left where it is. */
        if (lstat(f->path, &st) != 0 || S_ISDIR(st.st_mode)) {
            free(f->path);
            continue;
        }
        if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
            log_warning("%s: not a regular file (a FIFO, socket or device); left where it is",
                        f->path);
            free(f->path);
            continue;
        }
        count++;
        f->size = (long long)st.st_size;
        f->mtime = st.st_mtim;
        if (S_ISLNK(st.st_mode)) {
            f->refused = strdup("a symbolic link; bdtx reads only regular files: put the "
                                "file itself in the inbox");
            if (!f->refused)
                goto oom;
            f->as_of = date_of_time(st.st_mtime, cfg->province.timezone);
            continue;
        }
        side = malloc(strlen(f->path) + sizeof INBOX_SIDECAR);
        if (!side)
            goto oom;
        sprintf(side, "%s%s", f->path, INBOX_SIDECAR);
        if (lstat(side, &sst) == 0) {
            f->sidecar = side;
            f->sidecar_ok = read_sidecar(side, &f->as_of);
            f->dated = f->sidecar_ok;
        } else {
            free(side);
        }
        if (!f->dated)
            f->dated = import_peek_as_of(cfg, vocab, f->path, &f->as_of);
        if (!f->dated)
            f->as_of = date_of_time(st.st_mtime, cfg->province.timezone);
    }
    if (errno != 0) {
        error_set(err, BDTX_SOFTWARE, "cannot read the inbox folder %s: %s", dir,
                  strerror(errno));
        closedir(d);
        inbox_free(files, count);
        return -1;
    }
    closedir(d);
    if (count > 1)
        qsort(files, count, sizeof *files, compare_files);
    *out = files;
    *n = count;
    return 0;
oom:
    closedir(d);
    inbox_free(files, count);
    error_oom(err);
    return -1;
}

/* Across file systems: a copy written and flushed under a temporary name,
 * renamed into place, and only then the original removed. */
static int copy_then_unlink(const char *src, const char *dst, bdtx_error *err)
{
    struct atomic_file out = {0};
    char buf[65536];
    size_t got;
    FILE *in = fopen(src, "rb");

    if (!in) {
        error_set(err, BDTX_SOFTWARE, "cannot open %s: %s", src, strerror(errno));
        return -1;
    }
    if (atomic_begin(&out, dst, err) != 0) {
        fclose(in);
        return -1;
    }
    while ((got = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, got, out.fp) != got)
            break;
    if (ferror(in) || ferror(out.fp)) {
        error_set(err, error_code_for_errno(errno), "cannot copy %s to %s: %s", src, dst,
                  strerror(errno));
        fclose(in);
        atomic_abort(&out);
        return -1;
    }
    fclose(in);
    if (atomic_commit(&out, err) != 0)
        return -1;
    if (unlink(src) != 0) {
        error_set(err, BDTX_SOFTWARE, "copied %s to %s but cannot remove it: %s", src, dst,
                  strerror(errno));
        return -1;
    }
    atomic_fsync_dir_of(src);
    return 0;
}

/* A refused link, across file systems: the link itself, never its target. */
static int move_link(const char *src, const char *dst, bdtx_error *err)
{
    char target[4096];
    ssize_t n = readlink(src, target, sizeof target - 1);

    if (n < 0) {
        error_set(err, BDTX_SOFTWARE, "cannot read the link %s: %s", src, strerror(errno));
        return -1;
    }
    target[n] = '\0';
    if (symlink(target, dst) != 0 || unlink(src) != 0) {
        error_set(err, BDTX_SOFTWARE, "cannot move the link %s to %s: %s", src, dst,
                  strerror(errno));
        return -1;
    }
    atomic_fsync_dir_of(dst);
    atomic_fsync_dir_of(src);
    return 0;
}

static int move_exact(const char *src, const char *dst, bdtx_error *err)
{
    if (rename(src, dst) == 0) {
        if (atomic_fsync_dir_of(dst) != 0 || atomic_fsync_dir_of(src) != 0) {
            error_set(err, BDTX_SOFTWARE, "cannot flush the folders of %s and %s: %s", src,
                      dst, strerror(errno));
            return -1;
        }
        return 0;
    }
    if (errno == EXDEV) {
        struct stat st;

        if (lstat(src, &st) == 0 && S_ISLNK(st.st_mode))
            return move_link(src, dst, err);
        return copy_then_unlink(src, dst, err);
    }
    error_set(err, error_code_for_errno(errno), "cannot move %s to %s: %s", src, dst,
              strerror(errno));
    return -1;
}

/* dest_dir/name, or the first free name~N.ext; *same when that name already
 * holds the bytes of src. */
static int choose_target(const char *src, const char *dest_dir, const char *name,
                         char **target, bool *same, bdtx_error *err)
{
    const char *dot = strrchr(name, '.');
    size_t stem = dot && dot != name ? (size_t)(dot - name) : strlen(name);
    size_t cap = strlen(dest_dir) + strlen(name) + 16;
    char src_sha[65] = "", sha[65];
    struct stat st;
    /* A refused link is never read, not even to hash what it points to. */
    bool link = lstat(src, &st) == 0 && S_ISLNK(st.st_mode);
    int k;

    *target = NULL;
    *same = false;
    for (k = 1; k < 1000; k++) {
        char *t = malloc(cap);

        if (!t) {
            error_oom(err);
            return -1;
        }
        if (k == 1)
            snprintf(t, cap, "%s/%s", dest_dir, name);
        else
            snprintf(t, cap, "%s/%.*s~%d%s", dest_dir, (int)stem, name, k, name + stem);
        /* lstat: a dangling link still takes its name. */
        if (lstat(t, &st) != 0) {
            *target = t;
            return 0;
        }
        if (link) {
            free(t);
            continue;
        }
        if (!src_sha[0] && hash_file_sha256(src, src_sha, err) != 0) {
            free(t);
            return -1;
        }
        if (hash_file_sha256(t, sha, err) == 0 && strcmp(sha, src_sha) == 0) {
            *target = t;
            *same = true;
            return 0;
        }
        error_clear(err);
        free(t);
    }
    error_set(err, BDTX_SOFTWARE, "%s: a thousand files of that name are already in %s", name,
              dest_dir);
    return -1;
}

static int write_text(const char *path, const char *text, bdtx_error *err)
{
    struct atomic_file f = {0};

    if (atomic_begin(&f, path, err) != 0)
        return -1;
    if (fputs(text, f.fp) == EOF) {
        error_set(err, error_code_for_errno(errno), "cannot write %s: %s", path, strerror(errno));
        atomic_abort(&f);
        return -1;
    }
    return atomic_commit(&f, err);
}

static char *with_suffix(const char *path, const char *suffix)
{
    size_t len = strlen(path) + strlen(suffix) + 1;
    char *s = malloc(len);

    if (s)
        snprintf(s, len, "%s%s", path, suffix);
    return s;
}

char *inbox_fit_name(const char *name)
{
    size_t len = strlen(name), ext = 0, stem;
    uint64_t h = 14695981039346656037ULL;   /* FNV-1a of the whole name */
    const char *dot = strrchr(name, '.');
    const unsigned char *p;
    char *out;

    if (len <= INBOX_NAME_MAX)
        return strdup(name);
    for (p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    if (dot && dot != name && strlen(dot) <= 16)
        ext = strlen(dot);
    stem = INBOX_NAME_MAX - ext - 17;
    /* Cut at a character's start, not inside a UTF-8 sequence. */
    while (stem > 0 && ((unsigned char)name[stem] & 0xC0) == 0x80)
        stem--;
    out = malloc(INBOX_NAME_MAX + 1);
    if (out)
        snprintf(out, INBOX_NAME_MAX + 1, "%.*s~%016llx%s", (int)stem, name,
                 (unsigned long long)h, ext ? name + len - ext : "");
    return out;
}

int inbox_move(const struct inbox_file *f, const char *dest_dir, const char *given,
               const char *err_text, char **moved_to, bdtx_error *err)
{
    char *name = inbox_fit_name(given);
    char *target = NULL, *errfile = NULL, *side_target = NULL, *probe = NULL;
    bool same = false;
    int rc = -1;

    if (moved_to)
        *moved_to = NULL;
    probe = path_join(dest_dir, "x");
    if (!probe || !name) {
        error_oom(err);
        goto done;
    }
    if (atomic_make_parents(probe, err) != 0 ||
        choose_target(f->path, dest_dir, name, &target, &same, err) != 0)
        goto done;
    errfile = with_suffix(target, ".err");
    side_target = with_suffix(target, INBOX_SIDECAR);
    if (!errfile || !side_target) {
        error_oom(err);
        goto done;
    }
    if (err_text && write_text(errfile, err_text, err) != 0)
        goto done;
    if (f->sidecar && !err_text && move_exact(f->sidecar, side_target, err) != 0)
        goto done;
    if (same) {
        if (unlink(f->path) != 0) {
            error_set(err, BDTX_SOFTWARE, "cannot remove %s: %s", f->path, strerror(errno));
            goto done;
        }
        atomic_fsync_dir_of(f->path);
    } else if (move_exact(f->path, target, err) != 0) {
        goto done;
    }
    if (f->sidecar && err_text && move_exact(f->sidecar, side_target, err) != 0)
        goto done;
    if (moved_to) {
        *moved_to = target;
        target = NULL;
    }
    rc = 0;
done:
    free(name);
    free(probe);
    free(target);
    free(errfile);
    free(side_target);
    return rc;
}
