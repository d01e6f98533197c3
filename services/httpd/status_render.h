/*
 * The status page rendered from a snapshot (status_source.h): an HTML page that reloads
 * itself every STATUS_REFRESH_S seconds, and the same data as JSON. Pure: it writes into the
 * caller's buffer and nothing else, so host tests check it byte for byte.
 *
 * Every text that comes from the system (process and class names, audit lines) is escaped for
 * where it lands: HTML text (&, <, >, ", ') or a JSON string (", \, control characters as
 * \u00XX), so no name a process picks can add markup or break the JSON.
 */
#ifndef HTTPD_STATUS_RENDER_H
#define HTTPD_STATUS_RENDER_H

#include <stddef.h>

#include "status_source.h"

#define STATUS_REFRESH_S 2

/* Writes the page into out[cap]; returns its length, or 0 when it did not fit (the server
 * answers 500 then: a cut page would be wrong HTML). */
size_t status_render_html(const struct status_snapshot *s, char *out, size_t cap);
size_t status_render_json(const struct status_snapshot *s, char *out, size_t cap);

#endif
