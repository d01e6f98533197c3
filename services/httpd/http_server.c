/*
 * The POSIX network loop of the status server (http_server.h).
 *
 * Never blocks on one client: accept is called only when poll says the listener has a
 * connection, recv only when poll says there are bytes, send only when poll says there is room
 * (and with MSG_DONTWAIT where the system has it, so a short window cannot stall the loop);
 * every other wait is poll's, whose timeout is the nearest connection deadline.
 */
#include "http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* a system without it has no SIGPIPE on sockets to avoid */
#endif
#ifndef MSG_DONTWAIT
#define MSG_DONTWAIT 0 /* poll said there is room: send may block only for what does not fit */
#endif

enum conn_state { CONN_FREE, CONN_READING, CONN_WRITING };

struct conn {
    enum conn_state state;
    int fd;
    uint64_t deadline_ms;
    uint64_t progress_ms; /* its accept, or the last byte it sent or took */
    size_t in_len;
    size_t out_len, out_sent;
    char in[HTTP_HEAD_MAX];
    char out[HTTP_RESPONSE_MAX];
};

static struct conn conns[HTTP_CONN_MAX];
static struct http_request parsed; /* one request is parsed at a time: the loop is one thread */

static void conn_close(struct conn *c)
{
    close(c->fd);
    c->state = CONN_FREE;
    c->fd = -1;
}

/* From reading to writing: the answer is in c->out. */
static void conn_answer(struct conn *c, size_t len, uint64_t now)
{
    c->out_len = len;
    c->out_sent = 0;
    c->state = CONN_WRITING;
    c->deadline_ms = now + HTTP_WRITE_TIMEOUT_MS;
}

static void conn_refuse(struct conn *c, int status, const char *detail, uint64_t now)
{
    size_t n = http_format_error(c->out, sizeof c->out, status, detail);
    if (n == 0)
        conn_close(c);
    else
        conn_answer(c, n, now);
}

static void conn_read(const struct http_server_config *cfg, struct conn *c, uint64_t now)
{
    ssize_t got = recv(c->fd, c->in + c->in_len, sizeof c->in - c->in_len, MSG_DONTWAIT);
    if (got < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (got <= 0) {
        conn_close(c); /* the client went, or its connection failed: nothing to answer */
        return;
    }
    c->in_len += (size_t)got;
    c->progress_ms = now;
    enum http_error e = http_parse_request(c->in, c->in_len, &parsed);
    if (e == HTTP_INCOMPLETE)
        return;
    if (e != HTTP_OK) {
        conn_refuse(c, http_error_status(e), http_error_name(e), now);
        return;
    }
    size_t n = cfg->answer(&parsed, c->out, sizeof c->out, cfg->ctx);
    if (n == 0)
        conn_refuse(c, 500, "the answer could not be made", now);
    else
        conn_answer(c, n, now);
}

static void conn_write(struct conn *c, uint64_t now)
{
    ssize_t sent =
        send(c->fd, c->out + c->out_sent, c->out_len - c->out_sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (sent <= 0) {
        conn_close(c);
        return;
    }
    c->out_sent += (size_t)sent;
    c->progress_ms = now;
    if (c->out_sent == c->out_len)
        conn_close(c); /* Connection: close, said in every head */
}

/* A free slot, or else the connection idle longest if that is at least HTTP_EVICT_IDLE_MS
 * (still open: the caller closes it only once a newcomer is really there); NULL otherwise. */
static struct conn *slot_for_newcomer(uint64_t now)
{
    struct conn *idlest = NULL;
    for (size_t i = 0; i < HTTP_CONN_MAX; i++) {
        struct conn *c = &conns[i];
        if (c->state == CONN_FREE)
            return c;
        if (idlest == NULL || c->progress_ms < idlest->progress_ms)
            idlest = c;
    }
    return idlest != NULL && now - idlest->progress_ms >= HTTP_EVICT_IDLE_MS ? idlest : NULL;
}

static void accept_one(int listener, uint64_t now)
{
    struct conn *c = slot_for_newcomer(now);
    if (c == NULL)
        return; /* never: the listener is polled only while there is a slot to give */
    int fd = accept(listener, NULL, NULL);
    if (fd < 0)
        return; /* gone before we took it (ECONNABORTED), or EAGAIN/EINTR: poll again */
    if (c->state != CONN_FREE)
        conn_close(c); /* the idlest gives way: it had its chance for HTTP_EVICT_IDLE_MS */
    c->fd = fd;
    c->state = CONN_READING;
    c->in_len = 0;
    c->deadline_ms = now + HTTP_READ_TIMEOUT_MS;
    c->progress_ms = now;
}

static int listen_on(const struct http_server_config *cfg, const char **step)
{
    *step = "socket";
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(cfg->port);
    a.sin_addr.s_addr = htonl(cfg->address);
    *step = "bind";
    if (bind(fd, (const struct sockaddr *)&a, sizeof a) == 0) {
        *step = "listen";
        if (listen(fd, HTTP_BACKLOG) == 0)
            return fd;
    }
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
}

/* poll's timeout: until the nearest deadline or the moment a connection becomes idle enough to
 * give way (the listener is not polled until then), at most a second. */
static int poll_timeout(uint64_t now)
{
    uint64_t wait = 1000;
    for (size_t i = 0; i < HTTP_CONN_MAX; i++)
        if (conns[i].state != CONN_FREE) {
            uint64_t left = conns[i].deadline_ms > now ? conns[i].deadline_ms - now : 0;
            uint64_t evictable = conns[i].progress_ms + HTTP_EVICT_IDLE_MS;
            uint64_t until_evictable = evictable > now ? evictable - now : 0;
            if (until_evictable < left)
                left = until_evictable;
            if (left < wait)
                wait = left;
        }
    return (int)wait;
}

int http_server_run(const struct http_server_config *cfg, const char **step)
{
    for (size_t i = 0; i < HTTP_CONN_MAX; i++) {
        conns[i].state = CONN_FREE;
        conns[i].fd = -1;
    }
    int listener = listen_on(cfg, step);
    if (listener < 0)
        return -1;
    if (cfg->listening)
        cfg->listening(cfg->port, cfg->ctx);
    struct pollfd fds[HTTP_CONN_MAX + 1];
    struct conn *owner[HTTP_CONN_MAX + 1];
    for (;;) {
        nfds_t n = 0;
        for (size_t i = 0; i < HTTP_CONN_MAX; i++) {
            struct conn *c = &conns[i];
            if (c->state == CONN_FREE)
                continue;
            fds[n] = (struct pollfd){c->fd, c->state == CONN_READING ? POLLIN : POLLOUT, 0};
            owner[n++] = c;
        }
        /* Last: the connections' own bytes are taken before a newcomer may displace one. */
        if (slot_for_newcomer(cfg->now_ms()) != NULL) {
            fds[n] = (struct pollfd){listener, POLLIN, 0};
            owner[n++] = NULL;
        }
        int ready = poll(fds, n, poll_timeout(cfg->now_ms()));
        if (ready < 0 && errno != EINTR) {
            *step = "poll";
            return -1;
        }
        uint64_t now = cfg->now_ms();
        for (nfds_t i = 0; ready > 0 && i < n; i++) {
            if (fds[i].revents == 0)
                continue;
            struct conn *c = owner[i];
            if (c == NULL)
                accept_one(listener, now);
            else if (fds[i].revents & (POLLERR | POLLNVAL))
                conn_close(c);
            else if (c->state == CONN_READING)
                conn_read(cfg, c, now); /* POLLHUP with bytes still to read: recv sees them */
            else
                conn_write(c, now);
        }
        /* Deadlines: a client that did not send its request (or take its answer) in time. */
        for (size_t i = 0; i < HTTP_CONN_MAX; i++) {
            struct conn *c = &conns[i];
            if (c->state == CONN_FREE || c->deadline_ms > now)
                continue;
            if (c->state == CONN_READING && c->in_len > 0)
                conn_refuse(c, 408, "the request did not come in time", now);
            else
                conn_close(c);
        }
    }
}
