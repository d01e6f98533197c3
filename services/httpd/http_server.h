/*
 * The status server's network loop over POSIX sockets: one thread, a listening TCP socket,
 * poll() over it and every open connection, each request read whole (http_request.h),
 * answered by the caller's function and the connection closed after the answer.
 *
 * Bounded: at most HTTP_CONN_MAX connections at once; a client has HTTP_READ_TIMEOUT_MS from
 * its accept to send a whole request head and HTTP_WRITE_TIMEOUT_MS to take the answer, so a
 * client that opens a connection and goes quiet (or stops reading) holds a slot no longer than
 * that. When every slot is taken, a new client takes the slot of the connection that made no
 * progress for the longest time, once that is at least HTTP_EVICT_IDLE_MS: a handful of quiet
 * connections (half-open requests, answers nobody reads) cannot keep everyone else waiting for
 * their timeouts, while a client whose request is on its way is not dropped for a newcomer.
 *
 * Only the calls of <sys/socket.h>, <netinet/in.h>, <arpa/inet.h>, <poll.h>, <unistd.h> and
 * errno: the same file builds on the host and on Bastion's socket library.
 */
#ifndef HTTPD_HTTP_SERVER_H
#define HTTPD_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "http_request.h"

#define HTTP_CONN_MAX 8
#define HTTP_RESPONSE_MAX (64 * 1024)
#define HTTP_READ_TIMEOUT_MS 5000u
#define HTTP_WRITE_TIMEOUT_MS 10000u
#define HTTP_EVICT_IDLE_MS 250u
#define HTTP_BACKLOG 16

struct http_server_config {
    uint32_t address; /* IPv4 to listen on, host byte order; 0 = every address */
    uint16_t port;
    uint64_t (*now_ms)(void); /* a clock that never goes back */
    /* The whole answer (head and body) to a well-formed request, into out[cap]; its length, or
     * 0 when it could not be made (the client gets 500). */
    size_t (*answer)(const struct http_request *req, char *out, size_t cap, void *ctx);
    void *ctx;
    /* Called once the socket listens (a test waits for it), or NULL. */
    void (*listening)(uint16_t port, void *ctx);
};

/* Serves for good; returns only when the listening socket cannot be made or poll() fails,
 * with -1 and errno set (*step names the call that failed). */
int http_server_run(const struct http_server_config *cfg, const char **step);

#endif
