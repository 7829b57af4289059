/* Runs a fuzz target's entry point over files, without libFuzzer: the
 * regression inputs go through the same checks in
 * the ordinary test build, under its sanitizers.
 *   replay_<target> FILE|FOLDER...   (a folder: every file in it) */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    size_t len = 0, cap = 0, n;

    if (!f) {
        perror(path);
        return -1;
    }
    do {
        if (len == cap) {
            uint8_t *p;

            cap = cap ? cap * 2 : 65536;
            p = realloc(data, cap);
            if (!p) {
                free(data);
                fclose(f);
                return -1;
            }
            data = p;
        }
        n = fread(data + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    if (ferror(f)) {
        perror(path);
        free(data);
        fclose(f);
        return -1;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(data, len);
    free(data);
    return 0;
}

int main(int argc, char **argv)
{
    int i, files = 0;

    for (i = 1; i < argc; i++) {
        struct stat st;
        struct dirent **names;
        int n, j;

        if (stat(argv[i], &st) < 0) {
            perror(argv[i]);
            return 1;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (replay_file(argv[i]) < 0)
                return 1;
            files++;
            continue;
        }
        n = scandir(argv[i], &names, NULL, alphasort);
        if (n < 0) {
            perror(argv[i]);
            return 1;
        }
        for (j = 0; j < n; j++) {
            char path[4096];

            if (names[j]->d_name[0] != '.') {
                snprintf(path, sizeof path, "%s/%s", argv[i], names[j]->d_name);
                if (replay_file(path) < 0)
                    return 1;
                files++;
            }
            free(names[j]);
        }
        free(names);
    }
    printf("%d inputs replayed\n", files);
    /* Nothing to replay means a wrong path, not a pass. */
    return files > 0 ? 0 : 1;
}
