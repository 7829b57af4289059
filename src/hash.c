#include "bdtx/hash.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#ifdef __linux__
#include <sys/vfs.h>
#endif
#include <unistd.h>

int hash_file_sha256(const char *path, char hex[65], bdtx_error *err)
{
    unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0, i;
    EVP_MD_CTX *ctx = NULL;
    FILE *f = NULL;
    struct stat st;
    size_t n;
    int fd, rc = -1;

    /* O_NONBLOCK: a FIFO dropped in the inbox must not hang the run; it,
     * like /dev/zero, is refused before a byte is read. */
    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        error_set(err, BDTX_DATAERR, "cannot open: %s", strerror(errno));
        error_place(err, path, 0, NULL);
        goto done;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        error_set(err, BDTX_DATAERR, "not a regular file");
        error_place(err, path, 0, NULL);
        close(fd);
        goto done;
    }
    f = fdopen(fd, "rb");
    if (!f) {
        error_set(err, BDTX_SOFTWARE, "cannot read: %s", strerror(errno));
        error_place(err, path, 0, NULL);
        close(fd);
        goto done;
    }
    ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        error_set(err, BDTX_SOFTWARE, "cannot initialise SHA-256");
        goto done;
    }
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        if (EVP_DigestUpdate(ctx, buf, n) != 1) {
            error_set(err, BDTX_SOFTWARE, "SHA-256 failed");
            goto done;
        }
    if (ferror(f)) {
        error_set(err, BDTX_DATAERR, "read error: %s", strerror(errno));
        error_place(err, path, 0, NULL);
        goto done;
    }
    if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1) {
        error_set(err, BDTX_SOFTWARE, "SHA-256 failed");
        goto done;
    }
    for (i = 0; i < mdlen && i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    hex[64] = '\0';
    rc = 0;
done:
    EVP_MD_CTX_free(ctx);
    if (f)
        fclose(f);
    return rc;
}

/* File systems whose inodes carry a change time that the kernel sets on
 * every write and every utime() and that no call can set back. FAT and
 * exFAT (USB sticks), network shares and the like are not listed: their
 * times may be coarse, emulated or the server's, so a file there is always
 * recognised by its SHA-256 alone. Values from <linux/magic.h>, written
 * out because that header is Linux-only and a few are missing from it. */
static bool fs_keeps_ctime(const char *path)
{
#ifdef __linux__
    static const unsigned long keeps[] = {
        0xEF53UL,     /* ext2, ext3, ext4 */
        0x58465342UL, /* xfs */
        0x9123683EUL, /* btrfs */
        0x01021994UL, /* tmpfs */
        0x794C7630UL, /* overlayfs */
        0x2FC12FC1UL, /* zfs */
        0xF2F52010UL, /* f2fs */
    };
    struct statfs fs;
    size_t i;

    if (statfs(path, &fs) != 0)
        return false;
    for (i = 0; i < sizeof keeps / sizeof keeps[0]; i++)
        if ((unsigned long)fs.f_type == keeps[i])
            return true;
#else
    (void)path;
#endif
    return false;
}

void file_identity_read(const char *path, struct file_identity *out)
{
    struct stat st;
    int64_t mtime_ns;

    memset(out, 0, sizeof *out);
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return;
    mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    out->ctime_ns = (int64_t)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec;
    snprintf(out->device, sizeof out->device, "%ju", (uintmax_t)st.st_dev);
    snprintf(out->inode, sizeof out->inode, "%ju", (uintmax_t)st.st_ino);
    snprintf(out->size, sizeof out->size, "%jd", (intmax_t)st.st_size);
    snprintf(out->mtime_ns, sizeof out->mtime_ns, "%" PRId64, mtime_ns);
    snprintf(out->ctime_text, sizeof out->ctime_text, "%" PRId64, out->ctime_ns);
    out->trusted_fs = fs_keeps_ctime(path);
    out->known = true;
}

bool file_identity_equal(const struct file_identity *a, const struct file_identity *b)
{
    return a->known && b->known && strcmp(a->device, b->device) == 0 &&
           strcmp(a->inode, b->inode) == 0 && strcmp(a->size, b->size) == 0 &&
           strcmp(a->mtime_ns, b->mtime_ns) == 0 && strcmp(a->ctime_text, b->ctime_text) == 0;
}
