/*
 * einit-compile: init description (init.yaml) -> Einit's start-up table, as C source.
 *
 *   einit-compile [-o OUT.c] [--dump] [--romfs-dir DIR] INPUT.yaml
 *
 * With neither -o nor --dump it only validates. Errors go to stderr as
 * "INPUT:line:column: error: message". Exit status: 0 valid, 1 the description has errors,
 * 2 usage or I/O failure.
 *
 * The output is written to a temporary file in the same folder and renamed over OUT.c only when
 * complete, so a failed or interrupted run never leaves a half-written table for the build to
 * compile (and never destroys a previous good one).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "initcfg.h"

/* Far above any real description; bounds what a mistaken argument (a disk image) can cost. */
#define INPUT_MAX (4u * 1024u * 1024u)

static void usage(FILE *f)
{
    fputs("usage: einit-compile [-o OUT.c] [--dump] [--romfs-dir DIR] INPUT.yaml\n"
          "  -o, --output OUT.c  write Einit's start-up table (see "
          "services/einit/startup_table.h)\n"
          "  --dump              print the parsed description to stdout\n"
          "  --romfs-dir DIR     also check that every entity's executable is a file in DIR\n"
          "  -h, --help          this text\n"
          "Without -o or --dump, only checks INPUT. Format: docs/init-yaml.md.\n",
          f);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "einit-compile: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    char *buf = initcfg_xcalloc(INPUT_MAX + 1, 1);
    size_t n = fread(buf, 1, INPUT_MAX + 1, f);
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "einit-compile: cannot read %s\n", path);
        free(buf);
        return NULL;
    }
    if (n > INPUT_MAX) {
        fprintf(stderr, "einit-compile: %s is larger than %u bytes\n", path, INPUT_MAX);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static int write_table(const char *out, const struct initcfg *cfg, const char *source)
{
    size_t n = strlen(out);
    char *tmp = initcfg_xcalloc(n + 8, 1);
    memcpy(tmp, out, n);
    memcpy(tmp + n, ".XXXXXX", 8);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr, "einit-compile: cannot create a temporary file next to %s: %s\n", out,
                strerror(errno));
        free(tmp);
        return 2;
    }
    FILE *f = fdopen(fd, "w");
    if (f == NULL) {
        close(fd);
        unlink(tmp);
        free(tmp);
        fprintf(stderr, "einit-compile: cannot write %s\n", out);
        return 2;
    }
    initcfg_emit_c(f, cfg, source);
    bool bad = fflush(f) != 0 || ferror(f);
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, out) != 0) {
        fprintf(stderr, "einit-compile: cannot write %s: %s\n", out, strerror(errno));
        unlink(tmp);
        free(tmp);
        return 2;
    }
    free(tmp);
    return 0;
}

int main(int argc, char **argv)
{
    const char *out = NULL, *in = NULL, *romfs = NULL;
    bool dump = false;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) {
            if (++i == argc) {
                fputs("einit-compile: -o needs a file name\n", stderr);
                return 2;
            }
            out = argv[i];
        } else if (strcmp(argv[i], "--romfs-dir") == 0) {
            if (++i == argc) {
                fputs("einit-compile: --romfs-dir needs a folder\n", stderr);
                return 2;
            }
            romfs = argv[i];
        } else if (strcmp(argv[i], "--dump") == 0) {
            dump = true;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "einit-compile: unknown option %s\n", argv[i]);
            usage(stderr);
            return 2;
        } else if (in != NULL) {
            fputs("einit-compile: give exactly one init description\n", stderr);
            return 2;
        } else {
            in = argv[i];
        }
    }
    if (in == NULL) {
        usage(stderr);
        return 2;
    }

    size_t len;
    char *text = read_file(in, &len);
    if (text == NULL)
        return 2;

    struct initcfg cfg;
    struct initcfg_diags diags = {0};
    Retcode rc = initcfg_parse(text, len, &cfg, &diags);
    free(text);
    if (rc == rcOk && romfs != NULL && (rc = initcfg_check_paths(&cfg, romfs, &diags)) != rcOk)
        initcfg_free(&cfg);
    if (rc != rcOk) {
        initcfg_diags_print(stderr, in, &diags);
        fprintf(stderr, "einit-compile: %zu error%s in %s; nothing written\n", diags.count,
                diags.count == 1 ? "" : "s", in);
        initcfg_diags_free(&diags);
        return 1;
    }
    initcfg_diags_free(&diags);

    int status = 0;
    if (dump)
        initcfg_dump(stdout, &cfg, in);
    if (out != NULL)
        status = write_table(out, &cfg, in);
    initcfg_free(&cfg);
    return status;
}
