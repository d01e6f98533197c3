/*
 * bench/net/http_bench_server.c: the guest's side of the network benchmark, the same source on
 * Linux (static glibc, started by bench/linux/net_init.c) and on Bastion (a userland program
 * over the socket library, userland/bench/init-net.yaml). Plain POSIX sockets; the only
 * OS-specific call is idle_clock_read() (idle_clock.h).
 *
 * Two TCP ports:
 *   80    HTTP/1.0, one request per connection, answered and closed by the server:
 *           GET /page    the 1 KiB page (PAGE_BYTES of text after a short head)
 *           GET /begin   starts a batch: answered, closed, then the clocks are read
 *           GET /end     ends it: the clocks read, then the batch's numbers answered; a batch
 *                        without a page is a quiet window (below)
 *           GET /bulk    answered; then one connection on port 5001 is received to its end
 *           GET /report  prints the BENCH lines and ends the program
 *   5001  bulk sink: every byte of one connection read (recv of up to 16 KiB) until the peer
 *         closes; timed from accept to end of stream
 * The host (bench/net/drive.py) drives it through QEMU's user network, one connection at a time.
 *
 * What a number is: busy = (TSC at the end - TSC at the start) - (idle ticks at the end - idle
 * ticks at the start), the idle ticks counted by the OS itself (idle_clock.h). Under QEMU's
 * -icount shift=0 that is the instructions the guest executed in the window, its halts while
 * waiting for the host's next packet left out. Two things in a window are not the requests'
 * work: the batch's edges (/begin's close, /end's accept and read: about one request) and the
 * OS's own timer work while it waits (ticks, timeouts), which grows with the idle time and so
 * with the host's speed. Two quiet windows (a /begin and an /end with no page between, the host
 * waiting a short and a long time) measure both: busy = edges + rate * idle, a line through the
 * two. Every batch and transfer is then counted as busy - edges - rate * idle (transfers have
 * no edges), which takes most of the host's speed out of the rows; without two quiet
 * windows of different idle time nothing is subtracted, and a line says so.
 * http_get = corrected busy / requests of a batch; tcp_bulk = corrected busy ticks per KiB
 * received. Output (docs/benchmarks.md):
 *   BENCH-BEGIN <system> net
 *   BENCH http_get median=<ticks per request> min=<ticks> n=<batches>
 *   BENCH tcp_bulk median=<busy ticks per KiB> min=<ticks> n=<transfers>
 *   BENCH-END <system>
 * and "bench-net: ..." lines with each batch's and transfer's raw counts.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "idle_clock.h"

#ifndef BENCH_SYSTEM
#error "BENCH_SYSTEM (\"linux\" or \"bastion\") names the system on the BENCH-BEGIN/END lines"
#endif

#define HTTP_PORT 80
#define BULK_PORT 5001
#define PAGE_BYTES 1024
#define MAX_RUNS 64  /* batches, and transfers, kept for the report */
#define REQ_MAX 1024 /* a request head longer than this is refused (closed) */
#define BULK_CHUNK 16384

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return ((uint64_t)hi << 32) | lo;
}

/* A point in time: the TSC and the idle ticks. Read with the idle clock outside the TSC window
 * (before the TSC at a start, after it at an end), so that reading it is never counted. */
struct stamp {
    uint64_t tsc, idle;
};

static int stamp_start(struct stamp *s)
{
    int r = idle_clock_read(&s->idle);
    s->tsc = rdtsc();
    return r;
}

static int stamp_end(struct stamp *s)
{
    s->tsc = rdtsc();
    return idle_clock_read(&s->idle);
}

/* Busy ticks between two stamps (0 if the idle clock ran ahead of the TSC, which it must not). */
static uint64_t busy_between(const struct stamp *a, const struct stamp *b)
{
    uint64_t elapsed = b->tsc - a->tsc, idle = b->idle - a->idle;
    return idle < elapsed ? elapsed - idle : 0;
}

/* A measured window: its busy and idle ticks and what it did (pages, or bytes received). */
struct window {
    uint64_t busy, idle, work;
};
static struct window batch[MAX_RUNS], quiet[MAX_RUNS], bulk[MAX_RUNS];
static unsigned batches, quiets, transfers;
static char response[256 + PAGE_BYTES];
static size_t response_len;

static void build_page(void)
{
    int head = snprintf(response, sizeof response,
                        "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %u\r\n\r\n",
                        (unsigned)PAGE_BYTES);
    for (unsigned i = 0; i < PAGE_BYTES; i++)
        response[head + (int)i] = (i % 64 == 63) ? '\n' : (char)('a' + i % 26);
    response_len = (size_t)head + PAGE_BYTES;
}

static int listen_on(int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0)
        return -1;
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 8) < 0) {
        close(s);
        return -1;
    }
    return s;
}

static int send_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t w = send(fd, p, len, 0);
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Reads a request head (up to the blank line) into buf; its length, or -1. */
static int read_head(int fd, char *buf, size_t cap)
{
    size_t have = 0;
    while (have + 1 < cap) {
        ssize_t r = recv(fd, buf + have, cap - 1 - have, 0);
        if (r <= 0)
            return -1;
        have += (size_t)r;
        buf[have] = '\0';
        if (strstr(buf, "\r\n\r\n"))
            return (int)have;
    }
    return -1;
}

/* A short text answer (the control paths). */
static void answer_text(int fd, const char *text)
{
    char buf[256];
    int n = snprintf(buf, sizeof buf, "HTTP/1.0 200 OK\r\nContent-Length: %u\r\n\r\n%s",
                     (unsigned)strlen(text), text);
    send_all(fd, buf, (size_t)n);
}

/* Lower median (always a measured value) and minimum of v[0..n), v sorted in place. */
static void report(const char *name, uint64_t *v, unsigned n)
{
    if (n == 0) {
        printf("BENCH-ERROR %s no samples: the host drove none\n", name);
        return;
    }
    for (unsigned i = 1; i < n; i++)
        for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    printf("BENCH %s median=%llu min=%llu n=%u\n", name, (unsigned long long)v[(n - 1) / 2],
           (unsigned long long)v[0], n);
}

/* The line busy = edges + rate * idle through the quiet windows of least and most idle time
 * (rate in instructions per million idle ticks); both 0 without two windows at least
 * QUIET_SPREAD idle ticks apart. */
#define QUIET_SPREAD 50000000ull /* 50 ms of virtual time */
static uint64_t idle_rate_ppm, edges;

static void fit_quiet_windows(void)
{
    const struct window *lo = NULL, *hi = NULL;
    for (unsigned i = 0; i < quiets; i++) {
        if (!lo || quiet[i].idle < lo->idle)
            lo = &quiet[i];
        if (!hi || quiet[i].idle > hi->idle)
            hi = &quiet[i];
    }
    if (!lo || hi->idle - lo->idle < QUIET_SPREAD) {
        printf("bench-net: no two quiet windows %llu idle ticks apart: nothing subtracted\n",
               QUIET_SPREAD);
        return;
    }
    if (hi->busy > lo->busy)
        idle_rate_ppm = (hi->busy - lo->busy) * 1000000ull / (hi->idle - lo->idle);
    uint64_t at_lo = lo->idle * idle_rate_ppm / 1000000ull;
    edges = lo->busy > at_lo ? lo->busy - at_lo : 0;
    printf("bench-net: quiet windows: %llu instructions per idle second, %llu per batch's edges\n",
           (unsigned long long)(idle_rate_ppm * 1000ull), (unsigned long long)edges);
}

/* A window's busy ticks less its edges and its idle-time timer work (never below 0). */
static uint64_t corrected(const struct window *w, int has_edges)
{
    uint64_t less = w->idle * idle_rate_ppm / 1000000ull + (has_edges ? edges : 0);
    return w->busy > less ? w->busy - less : 0;
}

static void report_rows(void)
{
    static uint64_t v[MAX_RUNS];
    fit_quiet_windows();
    for (unsigned i = 0; i < batches; i++) {
        v[i] = corrected(&batch[i], 1) / batch[i].work;
        printf("bench-net: http_get batch %u: %llu per request (uncorrected %llu)\n", i + 1,
               (unsigned long long)v[i], (unsigned long long)(batch[i].busy / batch[i].work));
    }
    report("http_get", v, batches);
    for (unsigned i = 0; i < transfers; i++) {
        v[i] = corrected(&bulk[i], 0) * 1024 / bulk[i].work;
        printf("bench-net: tcp_bulk transfer %u: %llu per KiB (uncorrected %llu), %llu MB/s of "
               "busy virtual time\n",
               i + 1, (unsigned long long)v[i],
               (unsigned long long)(bulk[i].busy * 1024 / bulk[i].work),
               (unsigned long long)(v[i] ? 1024000 / v[i] : 0));
    }
    report("tcp_bulk", v, transfers);
}

/* One bulk transfer on the bulk listener: accept, read to the end, record. */
static void bulk_receive(int listener)
{
    static char chunk[BULK_CHUNK];
    int c = accept(listener, NULL, NULL);
    if (c < 0) {
        printf("BENCH-ERROR tcp_bulk accept: errno %d\n", errno);
        return;
    }
    struct stamp a, b;
    int ok = stamp_start(&a) == 0;
    uint64_t bytes = 0;
    for (;;) {
        ssize_t r = recv(c, chunk, sizeof chunk, 0);
        if (r <= 0) {
            if (r < 0)
                ok = 0;
            break;
        }
        bytes += (uint64_t)r;
    }
    ok = stamp_end(&b) == 0 && ok;
    close(c);
    uint64_t busy = busy_between(&a, &b);
    if (!ok || bytes < 1024) {
        printf("BENCH-ERROR tcp_bulk transfer %u: %llu bytes, recv or idle clock failed\n",
               transfers + 1, (unsigned long long)bytes);
        return;
    }
    /* MB per second of virtual time: one tick is one ns under -icount shift=0. */
    printf("bench-net: tcp_bulk transfer %u: %llu bytes, elapsed %llu ticks, idle %llu, busy %llu "
           "(uncorrected: %llu MB/s of busy time, %llu MB/s of elapsed virtual time)\n",
           transfers + 1, (unsigned long long)bytes, (unsigned long long)(b.tsc - a.tsc),
           (unsigned long long)(b.idle - a.idle), (unsigned long long)busy,
           (unsigned long long)(busy ? bytes * 1000 / busy : 0),
           (unsigned long long)(bytes * 1000 / (b.tsc - a.tsc)));
    if (transfers < MAX_RUNS)
        bulk[transfers++] = (struct window){busy, b.idle - a.idle, bytes};
}

int main(void)
{
    build_page();
    int http = listen_on(HTTP_PORT), bulk_listener = listen_on(BULK_PORT);
    if (http < 0 || bulk_listener < 0) {
        printf("BENCH-ERROR http_get listen on ports %d and %d: errno %d\n", HTTP_PORT, BULK_PORT,
               errno);
        return 1;
    }
    printf("BENCH-BEGIN %s net\n", BENCH_SYSTEM);
    printf("bench-net: serving http on port %d, bulk on port %d\n", HTTP_PORT, BULK_PORT);

    struct stamp start = {0, 0};
    int in_batch = 0, start_ok = 0;
    unsigned pages = 0;
    char req[REQ_MAX];
    for (;;) {
        int c = accept(http, NULL, NULL);
        if (c < 0) {
            printf("BENCH-ERROR http_get accept: errno %d\n", errno);
            return 1;
        }
        if (read_head(c, req, sizeof req) < 0) {
            close(c);
            continue;
        }
        if (strncmp(req, "GET /page ", 10) == 0) {
            send_all(c, response, response_len);
            close(c);
            pages++;
        } else if (strncmp(req, "GET /begin ", 11) == 0) {
            answer_text(c, "begin\n");
            close(c);
            pages = 0;
            in_batch = 1;
            start_ok = stamp_start(&start) == 0;
        } else if (strncmp(req, "GET /end ", 9) == 0) {
            struct stamp end;
            int end_ok = stamp_end(&end) == 0;
            uint64_t busy = busy_between(&start, &end);
            char text[160];
            snprintf(text, sizeof text, "pages=%u elapsed=%llu idle=%llu busy=%llu\n", pages,
                     (unsigned long long)(end.tsc - start.tsc),
                     (unsigned long long)(end.idle - start.idle), (unsigned long long)busy);
            answer_text(c, text);
            close(c);
            struct window w = {busy, end.idle - start.idle, pages};
            if (!in_batch || !start_ok || !end_ok) {
                printf("BENCH-ERROR http_get batch %u: no /begin or no idle clock\n", batches + 1);
            } else if (pages == 0) {
                printf("bench-net: quiet window %u: %s", quiets + 1, text);
                if (quiets < MAX_RUNS)
                    quiet[quiets++] = w;
            } else {
                printf("bench-net: http_get batch %u: %u requests, %s", batches + 1, pages, text);
                if (batches < MAX_RUNS)
                    batch[batches++] = w;
            }
            in_batch = 0;
        } else if (strncmp(req, "GET /bulk ", 10) == 0) {
            answer_text(c, "bulk\n");
            close(c);
            bulk_receive(bulk_listener);
        } else if (strncmp(req, "GET /report ", 12) == 0) {
            report_rows();
            answer_text(c, "report\n");
            close(c);
            break;
        } else {
            answer_text(c, "unknown\n");
            close(c);
        }
    }
    close(http);
    close(bulk_listener);
    printf("BENCH-END %s\n", BENCH_SYSTEM);
    return 0;
}
