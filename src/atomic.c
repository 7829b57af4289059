#include "bdtx/atomic.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bdtx/path.h"

/* "no space left on the device" rather than strerror's wording, the one
 * an officer searches for. */
static const char *why(int e)
{
    return e == ENOSPC || e == EDQUOT ? "no space left on the device" : strerror(e);
}

int atomic_make_parents(const char *path, bdtx_error *err)
{
    char *dir = path_dir(path), *p;
    int rc = 0;

    if (!dir) {
        error_oom(err);
        return -1;
    }
    for (p = dir + 1; ; p++) {
        char saved = *p;

        if (saved != '/' && saved != '\0')
            continue;
        *p = '\0';
        if (mkdir(dir, 0775) != 0 && errno != EEXIST) {
            error_set(err, error_code_for_errno(errno), "cannot create folder %s: %s", dir,
                      why(errno));
            rc = -1;
        }
        *p = saved;
        if (rc != 0 || saved == '\0')
            break;
    }
    free(dir);
    return rc;
}

int atomic_begin(struct atomic_file *f, const char *path, bdtx_error *err)
{
    size_t len = strlen(path) + 16;
    int fd;

    memset(f, 0, sizeof *f);
    if (atomic_make_parents(path, err) != 0)
        return -1;
    f->path = strdup(path);
    f->tmp = malloc(len);
    if (!f->path || !f->tmp) {
        error_oom(err);
        atomic_abort(f);
        return -1;
    }
    /* A leading dot hides the partial file from a folder listing. */
    {
        const char *slash = strrchr(path, '/');
        size_t dirlen = slash ? (size_t)(slash - path + 1) : 0;

        snprintf(f->tmp, len, "%.*s.%s.XXXXXX", (int)dirlen, path, path + dirlen);
    }
    fd = mkstemp(f->tmp);
    if (fd < 0) {
        error_set(err, error_code_for_errno(errno), "cannot create a temporary file beside %s: %s",
                  path, why(errno));
        free(f->tmp);
        f->tmp = NULL;
        atomic_abort(f);
        return -1;
    }
    if (fchmod(fd, 0644) != 0 || !(f->fp = fdopen(fd, "wb"))) {
        error_set(err, error_code_for_errno(errno), "cannot open %s: %s", f->tmp, strerror(errno));
        close(fd);
        atomic_abort(f);
        return -1;
    }
    return 0;
}

static int fsync_path(const char *path, int flags)
{
    int fd = open(path, flags), rc;

    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

int atomic_fsync_dir_of(const char *path)
{
    char *dir = path_dir(path);
    int rc;

    if (!dir)
        return -1;
    rc = fsync_path(dir, O_RDONLY | O_DIRECTORY);
    free(dir);
    return rc;
}

int atomic_commit(struct atomic_file *f, bdtx_error *err)
{
    if (f->fp) {
        FILE *fp = f->fp;

        f->fp = NULL;
        /* The message names the file being written, not its temporary. */
        if (ferror(fp) || fflush(fp) != 0 || fsync(fileno(fp)) != 0) {
            int e = errno ? errno : EIO;

            error_set(err, error_code_for_errno(e), "cannot write %s: %s", f->path, why(e));
            fclose(fp);
            atomic_abort(f);
            return -1;
        }
        if (fclose(fp) != 0) {
            error_set(err, error_code_for_errno(errno), "cannot write %s: %s", f->path,
                      why(errno));
            atomic_abort(f);
            return -1;
        }
    } else if (fsync_path(f->tmp, O_RDONLY) != 0) {
        error_set(err, error_code_for_errno(errno), "cannot write %s: %s", f->path, why(errno));
        atomic_abort(f);
        return -1;
    }
    if (rename(f->tmp, f->path) != 0) {
        error_set(err, error_code_for_errno(errno), "cannot rename %s to %s: %s", f->tmp, f->path,
                  strerror(errno));
        atomic_abort(f);
        return -1;
    }
    free(f->tmp);
    f->tmp = NULL;
    if (atomic_fsync_dir_of(f->path) != 0) {
        error_set(err, BDTX_IOERR, "cannot flush the folder of %s", f->path);
        atomic_abort(f);
        return -1;
    }
    atomic_abort(f);
    return 0;
}

void atomic_abort(struct atomic_file *f)
{
    if (f->fp) {
        fclose(f->fp);
        f->fp = NULL;
    }
    if (f->tmp) {
        unlink(f->tmp);
        free(f->tmp);
        f->tmp = NULL;
    }
    free(f->path);
    f->path = NULL;
}

/* ".NAME.XXXXXX": a dot, a name, a dot, and mkstemp's six letters or digits. */
static bool is_temporary(const char *name)
{
    size_t n = strlen(name), i;

    if (n < 9 || name[0] != '.' || name[n - 7] != '.')
        return false;
    for (i = n - 6; i < n; i++) {
        char ch = name[i];

        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')))
            return false;
    }
    return true;
}

int atomic_sweep(const char *dir, long min_age, int *removed, bdtx_error *err)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    time_t now = time(NULL);
    int rc = 0;

    *removed = 0;
    if (!d) {
        if (errno == ENOENT)
            return 0;
        error_set(err, BDTX_SOFTWARE, "cannot open folder %s: %s", dir, strerror(errno));
        return -1;
    }
    while ((errno = 0, de = readdir(d)) != NULL) {
        struct stat st;

        if (!is_temporary(de->d_name))
            continue;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno == ENOENT)
                continue;
            error_set(err, BDTX_SOFTWARE, "cannot read %s/%s: %s", dir, de->d_name,
                      strerror(errno));
            rc = -1;
            break;
        }
        if (!S_ISREG(st.st_mode) || now - st.st_mtime < min_age)
            continue;
        if (unlinkat(dirfd(d), de->d_name, 0) != 0) {
            if (errno == ENOENT)
                continue;
            error_set(err, BDTX_SOFTWARE, "cannot remove %s/%s: %s", dir, de->d_name,
                      strerror(errno));
            rc = -1;
            break;
        }
        (*removed)++;
    }
    if (rc == 0 && errno != 0) {
        error_set(err, BDTX_SOFTWARE, "cannot read folder %s: %s", dir, strerror(errno));
        rc = -1;
    }
    closedir(d);
    return rc;
}

bool atomic_same_content(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "rb");
    char buf[8192];
    size_t off = 0, got;
    bool same = true;

    if (!f)
        return false;
    while (same && (got = fread(buf, 1, sizeof buf, f)) > 0) {
        same = off + got <= len && memcmp(buf, text + off, got) == 0;
        off += got;
    }
    same = same && !ferror(f) && off == len;
    fclose(f);
    return same;
}
