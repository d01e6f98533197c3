/*
 * init_console: fds 0-2 for a program that runs as Linux's PID 1 from the benchmark's
 * initramfs (bench.c, net_init.c). As PID 1 there may be no fds 0-2 (no /dev/console in the
 * archive: making one needs mknod rights at build time), so it mounts devtmpfs and takes the
 * console from there; with fd 1 already open it does nothing. Header-only: each init program
 * is one static binary of its own.
 */
#ifndef BENCH_LINUX_INIT_CONSOLE_H
#define BENCH_LINUX_INIT_CONSOLE_H

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static inline void init_console(void)
{
    if (fcntl(1, F_GETFD) >= 0)
        return;
    mkdir("/dev", 0755);
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
    int fd = open("/dev/console", O_RDWR);
    if (fd < 0)
        fd = open("/dev/ttyS0", O_RDWR);
    if (fd < 0)
        return;
    dup2(fd, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    if (fd > 2)
        close(fd);
}

#endif
