/*
 * Output assembly: text buffers for generated files, and the all-or-nothing commit that
 * writes every output to a temporary file and renames them into place only at the end, so an
 * error never leaves a half-written or stale-but-new-looking file behind.
 */
#ifndef IDLC_OUTPUT_H
#define IDLC_OUTPUT_H

#include <stddef.h>

struct sbuf {
    char *s;
    size_t n, cap;
};

void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_json_string(struct sbuf *b, const char *s); /* quoted and escaped; NULL -> null */

/* Queues one output file (path relative to nothing: as given). */
void output_add(const char *path, struct sbuf *content);
/* Writes all queued files (temp + rename, creating directories); reports errors. */
void output_commit(void);
void output_reset(void);

#endif
