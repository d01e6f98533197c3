/*
 * os_vfs_static (class ostest.VfsStatic; init.yaml VfsStaticA "holder" and VfsStaticB "other"):
 * the RAM file system reached over the static channel init.yaml gives with the SDK's form
 *
 *   connections:
 *   - target: kl.VfsRamFs
 *     id: {var: _VFS_CONNECTION_ID, include: vfs/defs.h}
 *
 * to a VfsRamFs whose task name is the SDK's default, kl.VfsRamFs. The class may not use
 * kl.core.CM at all (policy/ostest.psl), so every file call here goes over Einit's channel.
 *   - holder (os_vfs_static1): libc I/O over it (a file of more than two requests written, read
 *     back, stat'ed); then it opens /static/held through the proxies on the same channel, writes
 *     that file id into /static/ready, waits for /static/go and ends holding the file open;
 *   - other (os_vfs_static2): the holder's id, and every id 0..1151, are ErrBadFileId on its own
 *     channel (Read, Write, Close); /static/held cannot be unlinked while the holder has it open
 *     (ErrBusy); after /static/go the holder ends, and the server closes its files (its session
 *     ends on rcClientGone, expected.txt's line), so the unlink succeeds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <user/core.h>
#include <user/start.h>
#include <vfs/defs.h>

#include "kl/VfsRamFs.edl.h"
#include "ostest.h"
#include "vfs_client.h"
#include "vfs_errors.h"

#define BIG 10000u       /* more than two kl.Vfs IoMax (4,096) */
#define IDS_TRIED 1152u  /* as os_vfs_attack: every id a small table hands out, and more */
#define WAIT_STEPS 1000u /* 20 ms apart: 20 s at most for the other process */
#define RELEASE_STEPS 500u

static uint8_t data[BIG], back[BIG];
static struct vfs_client vc;

/* The proxies on Einit's channel (the same one the file library uses). */
static bool static_client(void)
{
    uint32_t h = 0;
    if (!OT_EQ(start_connection(_VFS_CONNECTION_ID, &h), rcOk))
        return false;
    vc.ch.handle = h;
    vc.ch.timeout_ms = IPC_FOREVER;
    ipc_client_init(&vc.cl, &vc.ch, kl_VfsRamFs_EP_vfs_vfs, vc.req, sizeof vc.req, vc.res,
                    sizeof vc.res);
    return true;
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void holder(void)
{
    for (size_t i = 0; i < BIG; i++)
        data[i] = (uint8_t)(i * 13u + 5u);
    OT_EQ(mkdir("/static", 0755), 0);
    int fd = open("/static/data", O_RDWR | O_CREAT | O_EXCL, 0644);
    if (!OT_TRUE(fd >= 3))
        return;
    OT_EQ(write(fd, data, BIG), BIG);
    OT_EQ(lseek(fd, 0, SEEK_SET), 0);
    OT_EQ(read(fd, back, sizeof back), BIG);
    OT_TRUE(memcmp(back, data, BIG) == 0);
    struct stat st;
    OT_EQ(fstat(fd, &st), 0);
    OT_EQ(st.st_size, BIG);
    OT_EQ(close(fd), 0);

    if (!static_client())
        return;
    uint32_t fid = 0, n = 0;
    OT_EQ(vfs_c_open(&vc, "/static/held", kl_Vfs_Create | kl_Vfs_ReadWrite, &fid), 0);
    OT_EQ(vfs_c_write(&vc, fid, 0, "mine", 4, &n), 0);
    char text[16];
    int len = snprintf(text, sizeof text, "%u\n", (unsigned)fid);
    fd = open("/static/ready", O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (!OT_TRUE(fd >= 3))
        return;
    OT_EQ(write(fd, text, (size_t)len), len); /* one Write request: read whole or not at all */
    OT_EQ(close(fd), 0);

    bool go = false;
    for (uint32_t i = 0; i < WAIT_STEPS && !(go = exists("/static/go")); i++)
        core_thread_sleep(20);
    OT_TRUE(go);
    /* The other's tries with this id did nothing to it. */
    char got[4] = {0};
    OT_EQ(vfs_c_read(&vc, fid, 0, 4, got, &n), 0);
    OT_TRUE(n == 4 && memcmp(got, "mine", 4) == 0);
    /* Ends with /static/held open: the server must close it. */
}

/* The holder's file id from /static/ready, 0 when it never came. */
static uint32_t holder_fid(void)
{
    for (uint32_t i = 0; i < WAIT_STEPS; i++) {
        int fd = open("/static/ready", O_RDONLY);
        if (fd >= 0) {
            char text[16] = {0};
            ssize_t got = read(fd, text, sizeof text - 1);
            close(fd);
            if (got > 0 && text[got - 1] == '\n')
                return (uint32_t)strtoul(text, NULL, 10);
        }
        core_thread_sleep(20);
    }
    return 0;
}

static void other(void)
{
    if (!static_client())
        return;
    uint32_t fid = holder_fid();
    if (!OT_TRUE(fid != 0))
        return;
    char buf[8];
    uint32_t n = 0;
    /* The holder's open id names nothing on this channel. */
    OT_EQ(vfs_c_read(&vc, fid, 0, 4, buf, &n), VFS_ERR_BAD_FILE_ID);
    OT_EQ(vfs_c_write(&vc, fid, 0, "evil", 4, &n), VFS_ERR_BAD_FILE_ID);
    OT_EQ(vfs_c_close(&vc, fid), VFS_ERR_BAD_FILE_ID);
    uint32_t refused = 0;
    for (uint32_t id = 0; id < IDS_TRIED; id++)
        refused += vfs_c_read(&vc, id, 0, 1, buf, &n) == VFS_ERR_BAD_FILE_ID;
    OT_EQ(refused, IDS_TRIED);
    /* It is the holder's open file: busy while the holder runs. */
    OT_EQ(vfs_c_unlink(&vc, "/static/held"), VFS_ERR_BUSY);
    /* The holder's libc file is in the one tree. */
    struct stat st;
    OT_EQ(stat("/static/data", &st), 0);
    OT_EQ(st.st_size, BIG);

    int fd = open("/static/go", O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (OT_TRUE(fd >= 3))
        OT_EQ(close(fd), 0);
    /* The holder ends with the file open; its session closes it. */
    int32_t rc = VFS_ERR_BUSY;
    for (uint32_t i = 0; i < RELEASE_STEPS && rc == VFS_ERR_BUSY; i++) {
        rc = vfs_c_unlink(&vc, "/static/held");
        if (rc == VFS_ERR_BUSY)
            core_thread_sleep(20);
    }
    if (OT_EQ(rc, 0))
        printf("%s: %u ids refused; the holder's file released after it ended\n", ot_name(),
               (unsigned)refused);
}

int main(int argc, char **argv)
{
    bool is_holder = argc > 1 && strcmp(argv[1], "holder") == 0;
    ot_begin(is_holder ? "os_vfs_static1" : "os_vfs_static2");
    if (is_holder)
        holder();
    else
        other();
    return ot_end();
}
