/* Build helper: writes a C file holding each migration's name and text, in
 * the order given, so the schema travels inside the bdtx binary. */
#include <stdio.h>
#include <string.h>

static int emit_file(FILE *out, const char *path, int index)
{
    FILE *in = fopen(path, "rb");
    const char *base = strrchr(path, '/');
    int c;

    if (!in) {
        perror(path);
        return -1;
    }
    fprintf(out, "static const char migration_%d[] = {", index);
    while ((c = fgetc(in)) != EOF)
        fprintf(out, "%d,", c);
    fprintf(out, "0};\n");
    fclose(in);
    fprintf(out, "#define MIGRATION_NAME_%d \"%s\"\n", index, base ? base + 1 : path);
    return 0;
}

int main(int argc, char **argv)
{
    FILE *out;
    int i;

    if (argc < 2) {
        fprintf(stderr, "usage: embed-sql OUTPUT.c FILE.sql...\n");
        return 64;
    }
    out = fopen(argv[1], "w");
    if (!out) {
        perror(argv[1]);
        return 1;
    }
    fprintf(out, "#include <stddef.h>\n#include \"bdtx/migrate.h\"\n");
    for (i = 2; i < argc; i++)
        if (emit_file(out, argv[i], i - 2) != 0)
            return 1;
    fprintf(out, "const struct migration migrations[] = {\n");
    for (i = 2; i < argc; i++)
        fprintf(out, "    { MIGRATION_NAME_%d, migration_%d },\n", i - 2, i - 2);
    fprintf(out, "};\nconst size_t migration_count = %d;\n", argc - 2);
    if (fclose(out) != 0) {
        perror(argv[1]);
        return 1;
    }
    return 0;
}
