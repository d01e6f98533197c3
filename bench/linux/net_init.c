/*
 * bench/linux/net_init.c: /init of the Linux network benchmark's initramfs
 * (bench/linux/mkinitramfs-net.sh). Brings up the network the way the benchmark needs it and
 * runs the server every system runs, /http_bench_server (bench/net/http_bench_server.c).
 *
 * Debian's cloud kernel has no e1000 driver (CONFIG_E1000 is not set), so the Linux guest's NIC
 * is QEMU's virtio-net, whose driver is a module: the modules are in the initramfs under /lib
 * and loaded here with finit_module in dependency order (modinfo -F depends). The address is
 * QEMU's user network's fixed plan, set with ioctls (no DHCP client): 10.0.2.15/24; the host's
 * forwarded connections come from 10.0.2.2, which is on that subnet, so no route is needed.
 * Then: fork, exec the server, wait for it, power off (as PID 1; from a shell it just returns).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init_console.h"

#define SERVER "/http_bench_server"

/* Dependency order: each module after every module it depends on. */
static const char *const modules[] = {
    "virtio_ring", "virtio",   "virtio_pci_modern_dev", "virtio_pci_legacy_dev",
    "virtio_pci",  "failover", "net_failover",          "virtio_net",
};

static int load_modules(void)
{
    for (size_t i = 0; i < sizeof modules / sizeof modules[0]; i++) {
        char path[64];
        snprintf(path, sizeof path, "/lib/%s.ko", modules[i]);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || syscall(SYS_finit_module, fd, "", 0) != 0) {
            printf("BENCH-ERROR http_get load %s: %m\n", path);
            return -1;
        }
        close(fd);
    }
    return 0;
}

static int set_addr(int s, const char *ifname, unsigned long req, const char *addr)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
    struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
    sin->sin_family = AF_INET;
    inet_pton(AF_INET, addr, &sin->sin_addr);
    return ioctl(s, req, &ifr);
}

static int bring_up(int s, const char *ifname)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
        return -1;
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    return ioctl(s, SIOCSIFFLAGS, &ifr);
}

/* lo up; the first Ethernet interface (virtio-net's, eth0) at 10.0.2.15/24, up. */
static int configure_network(void)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0)
        return -1;
    int r = bring_up(s, "lo");
    if (r == 0)
        r = set_addr(s, "eth0", SIOCSIFADDR, "10.0.2.15");
    if (r == 0)
        r = set_addr(s, "eth0", SIOCSIFNETMASK, "255.255.255.0");
    if (r == 0)
        r = bring_up(s, "eth0");
    if (r != 0)
        printf("BENCH-ERROR http_get configure eth0: %m\n");
    close(s);
    return r;
}

int main(void)
{
    init_console();
    mkdir("/proc", 0555);
    mount("proc", "/proc", "proc", 0, NULL); /* the idle clock reads /proc/timer_list */
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    sched_setaffinity(0, sizeof set, &set); /* inherited by the server */

    int status = 1;
    if (load_modules() == 0 && configure_network() == 0) {
        printf("bench-net: eth0 10.0.2.15/24 up (virtio-net)\n");
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            execl(SERVER, SERVER, (char *)NULL);
            printf("BENCH-ERROR http_get exec %s: %m\n", SERVER);
            _exit(127);
        }
        if (pid > 0)
            waitpid(pid, &status, 0);
    }
    fflush(stdout);
    if (getpid() == 1) {
        sync();
        reboot(RB_POWER_OFF);
    }
    return status == 0 ? 0 : 1;
}
