/*
 * poll and select over net.Socket (<poll.h>, <sys/select.h>): one Poll request names every
 * socket and the events asked for it, and the stack answers when one is ready or the timeout
 * passed, so a program waiting in poll costs nothing while nothing happens. The stack keeps one
 * Poll per client at a time: a second thread polling at once (rcResourceBusy) falls back to
 * asking Status of each socket in rounds, POLL_STEP_MS apart, its timeout counted in those
 * sleeps (user programs have no clock method), so it may last longer than asked, never shorter.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/select.h>

#include <user/core.h>

#include "net_client.h"
#include "net_errno.h"

#define POLL_STEP_MS 2u

static short revents_from(short events, uint32_t ev)
{
    short out = 0;
    if (ev & net_Socket_EvReadable)
        out |= events & (POLLIN | POLLRDNORM);
    if (ev & net_Socket_EvWritable)
        out |= events & (POLLOUT | POLLWRNORM);
    if (ev & net_Socket_EvHangup)
        out |= POLLHUP;
    if (ev & net_Socket_EvError)
        out |= POLLERR;
    if (ev & net_Socket_EvInvalid)
        out |= POLLNVAL;
    return out;
}

/* The revents of one descriptor now; -1 (errno) when the stack cannot be asked. */
static int revents_of(const struct pollfd *p)
{
    struct net_fd *f = net_fd_get(p->fd);
    if (f == NULL)
        return POLLNVAL;
    struct idl_client *cl = net_call_begin();
    if (cl == NULL)
        return -1;
    uint32_t ev = 0, rc = rcFail;
    Retcode r = net_result(net_Socket_Status(cl, f->socket, &ev, &rc), &rc);
    net_call_end(cl);
    if (r == rcBadHandle)
        return POLLNVAL;
    if (r != rcOk)
        return net_fail(r);
    return revents_from(p->events, ev);
}

/* One Poll request for every socket of fds: the count of ready ones, -1 with errno, or -2 when
 * another thread's Poll waits already (rcResourceBusy). */
static int poll_once(struct pollfd *fds, nfds_t nfds, int timeout_ms)
{
    uint32_t sockets[net_Socket_PollMax], events[net_Socket_PollMax];
    nfds_t at[net_Socket_PollMax];
    uint32_t n = 0;
    int invalid = 0;
    for (nfds_t i = 0; i < nfds; i++) {
        fds[i].revents = 0;
        if (fds[i].fd < 0)
            continue;
        struct net_fd *f = net_fd_get(fds[i].fd);
        if (f == NULL) {
            fds[i].revents = POLLNVAL;
            invalid++;
            continue;
        }
        if (n == net_Socket_PollMax) {
            errno = EINVAL;
            return -1;
        }
        uint32_t ev = 0;
        if (fds[i].events & (POLLIN | POLLRDNORM))
            ev |= net_Socket_EvReadable;
        if (fds[i].events & (POLLOUT | POLLWRNORM))
            ev |= net_Socket_EvWritable;
        sockets[n] = f->socket;
        events[n] = ev;
        at[n++] = i;
    }
    if (n == 0 && invalid == 0 && timeout_ms != 0) {
        /* Nothing to wait on: sleep the timeout, as POSIX's poll with no descriptors. */
        if (timeout_ms > 0)
            core_thread_sleep((uint32_t)timeout_ms);
        return 0;
    }
    if (n == 0)
        return invalid;
    struct idl_client *cl = net_call_begin();
    if (cl == NULL)
        return -1;
    uint32_t ready = 0, rc = rcFail;
    struct idl_seq revents = {0};
    uint32_t timeout = invalid ? 0 : timeout_ms < 0 ? net_Socket_Forever : (uint32_t)timeout_ms;
    Retcode r = net_result(net_Socket_Poll(cl, (struct idl_seq){.data = sockets, .count = n},
                                           (struct idl_seq){.data = events, .count = n}, timeout,
                                           &revents, &ready, &rc),
                           &rc);
    int count = invalid;
    if (r == rcOk) {
        for (uint32_t k = 0; k < n && k < revents.count; k++) {
            uint32_t ev;
            memcpy(&ev, (const uint8_t *)revents.data + 4 * k, 4);
            fds[at[k]].revents = revents_from(fds[at[k]].events, ev);
            count += fds[at[k]].revents != 0;
        }
    }
    net_call_end(cl);
    if (r == rcResourceBusy)
        return -2;
    return r == rcOk ? count : net_fail(r);
}

int poll(struct pollfd *fds, nfds_t nfds, int timeout_ms)
{
    int once = poll_once(fds, nfds, timeout_ms);
    if (once != -2)
        return once;
    uint64_t waited = 0;
    for (;;) {
        int ready = 0;
        for (nfds_t i = 0; i < nfds; i++) {
            fds[i].revents = 0;
            if (fds[i].fd < 0)
                continue;
            int ev = revents_of(&fds[i]);
            if (ev < 0)
                return -1;
            fds[i].revents = (short)ev;
            if (ev)
                ready++;
        }
        if (ready > 0 || timeout_ms == 0 || (timeout_ms > 0 && waited >= (uint64_t)timeout_ms))
            return ready;
        core_thread_sleep(POLL_STEP_MS);
        waited += POLL_STEP_MS;
    }
}

int select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds, struct timeval *timeout)
{
    if (nfds < 0 || nfds > FD_SETSIZE) {
        errno = EINVAL;
        return -1;
    }
    struct pollfd p[FD_SETSIZE];
    int n = 0;
    for (int fd = 0; fd < nfds; fd++) {
        short ev = 0;
        if (readfds && FD_ISSET(fd, readfds))
            ev |= POLLIN;
        if (writefds && FD_ISSET(fd, writefds))
            ev |= POLLOUT;
        if (exceptfds && FD_ISSET(fd, exceptfds))
            ev |= POLLPRI;
        if (ev)
            p[n++] = (struct pollfd){.fd = fd, .events = ev};
    }
    int ms = -1;
    if (timeout) {
        long long t = (long long)timeout->tv_sec * 1000 + (timeout->tv_usec + 999) / 1000;
        ms = t > 0x7fffffff ? 0x7fffffff : (int)t;
    }
    int r = poll(p, (nfds_t)n, ms);
    if (r < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        if (p[i].revents & POLLNVAL) {
            errno = EBADF;
            return -1;
        }
    }
    if (readfds)
        FD_ZERO(readfds);
    if (writefds)
        FD_ZERO(writefds);
    if (exceptfds)
        FD_ZERO(exceptfds);
    int count = 0;
    for (int i = 0; i < n; i++) {
        int rd = (p[i].revents & (POLLIN | POLLHUP | POLLERR)) && (p[i].events & POLLIN);
        int wr = (p[i].revents & (POLLOUT | POLLERR)) && (p[i].events & POLLOUT);
        int ex = (p[i].revents & POLLPRI) != 0;
        if (rd)
            FD_SET(p[i].fd, readfds);
        if (wr)
            FD_SET(p[i].fd, writefds);
        if (ex)
            FD_SET(p[i].fd, exceptfds);
        count += rd + wr + ex;
    }
    return count;
}
