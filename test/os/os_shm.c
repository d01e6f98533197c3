/*
 * os_shm: memory shared between processes (kl.core.VMM MDL buffers) and futexes across them
 * (kl.core.Sync keyed by the shared word's physical address). Runs as task "ShmTest"
 * (init.yaml: ram 4 MiB) and starts itself again as its peer, class ostest.ShmPeer, with the
 * argument "peer" and the buffer's handle transferred under the name "mdl" (Task.TransferHandle).
 * Einit also starts it as ShmServer (class ostest.ShmServer, argument "server"), to which
 * ShmTest hands a buffer in an IPC request (ostest.ShmShare.Share, channel "shm").
 *
 * The shared page, as 32-bit words:
 *   W_PARENT  written by the test before the peer starts; the peer checks it
 *   W_PEER    written by the peer; the test checks it
 *   W_UP      0 -> 1 by the peer (then Wake): the test sleeps on it in Sync.Wait
 *   W_DOWN    0 -> 1 by the test (then Wake): the peer sleeps on it
 *   W_RESULT  the peer's failures (bits), written before it unmaps and exits
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <user/core.h>
#include <user/ipc.h>
#include <user/start.h>
#include <user/vmm.h>

#include "ostest.h"
#include "ostest/ShmServer.edl.h"
#include <bastion/rights.h>
#include "spawn.h"

#define MAYBE_UNUSED __attribute__((unused))
#define CL(ep, cap)                             \
    CORE_CLIENT(cl, kl_core_Core_EP_##ep, cap); \
    kl_core_Types_Retcode rc MAYBE_UNUSED = rcFail
#define H(v) core_handle_arg(v)

#define PAGE USER_PAGE_SIZE
#define RW (BASTION_VMM_READ | BASTION_VMM_WRITE)
#define W_PARENT 1
#define W_PEER 2
#define W_UP 3
#define W_DOWN 4
#define W_RESULT 5
#define PARENT_MAGIC 0x5A5A1234u
#define PEER_MAGIC 0xC0DE5678u

static Retcode close_handle(uint32_t h)
{
    CL(handle_Handle, CORE_MSG_SMALL);
    return core_result(kl_core_Handle_Close(&cl, H(h), &rc), &rc);
}

static Retcode copy(uint32_t from, uint32_t rights, uint32_t *out)
{
    CL(handle_Handle, CORE_MSG_SMALL);
    idl_handle_t h = {0};
    Retcode r = core_result(
        kl_core_Handle_Copy(&cl, H(from), rights, H(kl_core_Types_InvalidHandleValue), &h, &rc),
        &rc);
    *out = h.handle;
    return r;
}

/* ---- the peer ---------------------------------------------------------------------------- */

static int peer(void)
{
    int bad = 0;
    uint32_t h;
    uint64_t size = 0, va = 0;
    if (start_connection("mdl", &h) != rcOk)
        return 100;
    if (core_mdl_get_size(h, &size) != rcOk || size != 2 * PAGE)
        return 101;
    if (core_mdl_map(h, 0, size, 0, RW, &va) != rcOk)
        return 102;
    volatile uint32_t *w = (volatile uint32_t *)(uintptr_t)va;
    if (w[W_PARENT] != PARENT_MAGIC)
        bad |= 1;
    w[W_PEER] = PEER_MAGIC;
    /* Let the test fall asleep in Sync.Wait first, so that the Wake below must cross
     * processes to end it. */
    core_thread_sleep(200);
    w[W_UP] = 1;
    uint32_t woken = 0;
    /* 1 when the test was asleep (the usual case), 0 if it was slower than 200 ms: its Wait
     * then sees W_UP == 1 and returns at once. Never lost either way. */
    if (core_sync_wake(&w[W_UP], 1, &woken) != rcOk || woken > 1)
        bad |= 2;
    /* Now sleep until the test wakes us (a timeout would mean the keys did not meet). */
    Retcode r = rcOk;
    while (w[W_DOWN] == 0 && r == rcOk)
        r = core_sync_wait(&w[W_DOWN], 0, 5000);
    if (r != rcOk && r != rcResourceBusy)
        bad |= 4;
    /* A mapping is freed whole only, and is not a region to commit or re-protect. */
    if (core_vmm_free(va + PAGE, PAGE) != rcInvalidArgument)
        bad |= 8;
    if (core_vmm_protect(va, PAGE, BASTION_VMM_READ) != rcNotSupported)
        bad |= 16;
    w[W_RESULT] = (uint32_t)bad | 0x80000000u;
    if (core_vmm_free(va, size) != rcOk)
        return 103;
    return bad;
}

/* ---- the server: a buffer that arrives in an IPC request ---------------------------------- */

static struct ipc_server srv;

static Retcode share(void *ctx, idl_handle_t mdl, uint32_t *first, int32_t *rc)
{
    (void)ctx;
    uint64_t va = 0;
    *first = 0;
    Retcode r = core_mdl_map(mdl.handle, 0, PAGE, 0, RW, &va);
    if (r == rcOk) {
        volatile uint32_t *w = (volatile uint32_t *)(uintptr_t)va;
        *first = w[0];
        w[1] = w[0] + 1;
        r = core_vmm_free(va, PAGE);
    }
    Retcode c = close_handle(mdl.handle);
    *rc = r != rcOk ? r : c;
    srv.stop = true; /* one request is the whole job */
    return rcOk;
}

static const struct ostest_ShmShare_ops share_ops = {.Share = share};

static Retcode dispatch(void *ctx, const void *req, size_t len, void *res, size_t cap,
                        size_t *res_len)
{
    struct idl_header h;
    if (idl_peek_header(req, len, &h) != IDL_OK || h.endpoint_id != ostest_ShmServer_EP_shm)
        return rcBadMessage;
    return ostest_ShmShare_dispatch(&share_ops, ctx, req, len, res, cap, res_len);
}

static int server(void)
{
    static _Alignas(8) uint8_t buf[2][512];
    srv.dispatch = dispatch;
    srv.buf[0] = buf[0];
    srv.buf[1] = buf[1];
    srv.cap = sizeof buf[0];
    if (start_connection("shm", &srv.listener) != rcOk)
        return 1;
    Retcode r = ipc_serve(&srv);
    return r == rcOk ? 0 : 2;
}

/* ---- the test ---------------------------------------------------------------------------- */

/* MdlClone over the 3-page buffer h: the same frames, rights never more than the origin
 * handle's, the origin kept alive by the clone. */
static void clones(uint32_t h)
{
    uint32_t c = 0, cc = 0, ro = 0, roc = 0;
    uint64_t size = 0, a = 0, b = 0, va = 0;
    OT_RC(core_mdl_clone(h, 0, 0, &c), rcInvalidArgument);
    OT_RC(core_mdl_clone(h, 100, PAGE, &c), rcAlignment);
    OT_RC(core_mdl_clone(h, 0, 100, &c), rcAlignment);
    OT_RC(core_mdl_clone(h, 2 * PAGE, 2 * PAGE, &c), rcOutOfRange);
    OT_RC(core_mdl_clone(core_handle(), 0, PAGE, &c), rcBadHandle);
    if (!OT_RC(core_mdl_clone(h, PAGE, 2 * PAGE, &c), rcOk))
        return;
    OT_RC(core_mdl_get_size(c, &size), rcOk);
    OT_EQ(size, 2 * PAGE);
    /* A clone of a clone: page 2 of h. */
    if (OT_RC(core_mdl_clone(c, PAGE, PAGE, &cc), rcOk)) {
        if (OT_RC(core_mdl_map(h, 0, 3 * PAGE, 0, RW, &a), rcOk) &&
            OT_RC(core_mdl_map(cc, 0, PAGE, 0, RW, &b), rcOk)) {
            ((volatile uint32_t *)(uintptr_t)a)[2048 + 3] = 0xABCD; /* page 2, word 3 */
            OT_EQ(((volatile uint32_t *)(uintptr_t)b)[3], 0xABCD);
            OT_RC(core_vmm_free(a, 3 * PAGE), rcOk);
            OT_RC(core_vmm_free(b, PAGE), rcOk);
        }
        OT_RC(close_handle(cc), rcOk);
    }
    /* Rights only shrink: a clone made through a read-only handle maps read-only only. */
    if (OT_RC(copy(c, HR_READ | HR_MEMORY_MAP, &ro), rcOk)) {
        if (OT_RC(core_mdl_clone(ro, 0, PAGE, &roc), rcOk)) {
            OT_RC(core_mdl_map(roc, 0, PAGE, 0, RW, &va), rcAccessDenied);
            if (OT_RC(core_mdl_map(roc, 0, PAGE, 0, BASTION_VMM_READ, &va), rcOk)) {
                OT_EQ(*(volatile uint32_t *)(uintptr_t)va, 0); /* page 1 of h: untouched */
                OT_RC(core_vmm_free(va, PAGE), rcOk);
            }
            OT_RC(close_handle(roc), rcOk);
        }
        OT_RC(close_handle(ro), rcOk);
    }
    uint32_t nomap = 0;
    if (OT_RC(copy(c, HR_READ | HR_WRITE, &nomap), rcOk)) {
        OT_RC(core_mdl_clone(nomap, 0, PAGE, &roc), rcAccessDenied);
        OT_RC(close_handle(nomap), rcOk);
    }
    OT_RC(close_handle(c), rcOk);
}

static void bad_arguments(void)
{
    uint32_t h = 0;
    uint64_t va = 0, size = 0;
    OT_RC(core_mdl_create(0, RW, &h), rcInvalidArgument);
    OT_RC(core_mdl_create(PAGE, 0, &h), rcInvalidArgument);
    OT_RC(core_mdl_create(PAGE, 0x8, &h), rcInvalidArgument);
    OT_RC(core_mdl_create(PAGE, BASTION_VMM_READ | BASTION_VMM_EXECUTE, &h), rcWxViolation);
    OT_RC(core_mdl_create(64ull * 1024 * 1024 + 1, RW, &h), rcOutOfRange);
    OT_RC(core_mdl_create(1ull << 62, RW, &h), rcOutOfRange);
    OT_RC(core_mdl_get_size(0xFFF0u, &size), rcBadHandle);
    OT_RC(core_mdl_get_size(core_handle(), &size), rcBadHandle); /* not a memory object */
    if (!OT_RC(core_mdl_create(3 * PAGE - 100, RW, &h), rcOk))
        return;
    OT_RC(core_mdl_get_size(h, &size), rcOk);
    OT_EQ(size, 3 * PAGE); /* whole pages */
    OT_RC(core_mdl_map(h, 0, 0, 0, RW, &va), rcInvalidArgument);
    OT_RC(core_mdl_map(h, 0, PAGE, 0, 0, &va), rcInvalidArgument);
    OT_RC(core_mdl_map(h, 0, PAGE, 0, BASTION_VMM_EXECUTE, &va), rcWxViolation);
    OT_RC(core_mdl_map(h, 0, PAGE, 0, BASTION_VMM_READ | BASTION_VMM_EXECUTE, &va), rcWxViolation);
    OT_RC(core_mdl_map(h, 100, PAGE, 0, RW, &va), rcAlignment);
    OT_RC(core_mdl_map(h, 0, 100, 0, RW, &va), rcAlignment);
    OT_RC(core_mdl_map(h, 0, PAGE, 0x10000100u, RW, &va), rcAlignment);
    OT_RC(core_mdl_map(h, 2 * PAGE, 2 * PAGE, 0, RW, &va), rcOutOfRange);
    OT_RC(core_mdl_map(h, 4 * PAGE, PAGE, 0, RW, &va), rcOutOfRange);
    OT_RC(core_mdl_map(h, PAGE, ~0ull << 12, 0, RW, &va), rcOutOfRange);
    OT_RC(core_mdl_map(core_handle(), 0, PAGE, 0, RW, &va), rcBadHandle);
    /* Rights: READ without WRITE maps read-only only; without MEMORY_MAP nothing. */
    uint32_t ro = 0, nomap = 0;
    if (OT_RC(copy(h, HR_READ | HR_MEMORY_MAP, &ro), rcOk)) {
        OT_RC(core_mdl_map(ro, 0, PAGE, 0, RW, &va), rcAccessDenied);
        if (OT_RC(core_mdl_map(ro, 0, PAGE, 0, BASTION_VMM_READ, &va), rcOk)) {
            OT_EQ(*(volatile uint32_t *)(uintptr_t)va, 0); /* zeroed */
            OT_RC(core_vmm_free(va, PAGE), rcOk);
        }
        OT_RC(close_handle(ro), rcOk);
    }
    if (OT_RC(copy(h, HR_READ | HR_WRITE, &nomap), rcOk)) {
        OT_RC(core_mdl_map(nomap, 0, PAGE, 0, BASTION_VMM_READ, &va), rcAccessDenied);
        OT_RC(core_mdl_get_size(nomap, &size), rcOk); /* needs no right */
        OT_RC(close_handle(nomap), rcOk);
    }
    /* A read-only buffer never maps writable, whatever the handle. */
    uint32_t rob = 0;
    if (OT_RC(core_mdl_create(PAGE, BASTION_VMM_READ, &rob), rcOk)) {
        OT_RC(core_mdl_map(rob, 0, PAGE, 0, RW, &va), rcAccessDenied);
        OT_RC(close_handle(rob), rcOk);
    }
    /* Two mappings of one buffer alias; a hint is honoured; a taken hint is refused. */
    uint64_t a = 0, b = 0;
    if (OT_RC(core_mdl_map(h, 0, 3 * PAGE, 0, RW, &a), rcOk) &&
        OT_RC(core_mdl_map(h, PAGE, PAGE, a + 64 * PAGE, RW, &b), rcOk)) {
        OT_EQ(b, a + 64 * PAGE);
        ((volatile uint32_t *)(uintptr_t)a)[1024 + 7] = 77; /* page 1, word 7 */
        OT_EQ(((volatile uint32_t *)(uintptr_t)b)[7], 77);
        OT_RC(core_mdl_map(h, 0, PAGE, b, RW, &va), rcAlreadyExists);
        /* The mapping is a committed region for Query; not one to commit, decommit or
         * re-protect; freed whole only. */
        CL(vmm_VMM, CORE_MSG_SMALL);
        struct idl_seq out = {0};
        if (OT_RC(core_result(kl_core_VMM_Query(&cl, a + PAGE, &out, &rc), &rc), rcOk) &&
            OT_EQ(out.count, 1)) {
            struct kl_core_VMM_VmPageInfo pi;
            memcpy(&pi, out.data, sizeof pi);
            OT_EQ(pi.base, a);
            OT_EQ(pi.size, 3 * PAGE);
            OT_EQ(pi.state, kl_core_VMM_VmPageCommitted);
            OT_EQ(pi.flags, RW);
        }
        OT_RC(core_vmm_commit(a, PAGE), rcNotSupported);
        OT_RC(core_vmm_decommit(a, PAGE), rcNotSupported);
        OT_RC(core_vmm_protect(a, 3 * PAGE, BASTION_VMM_READ), rcNotSupported);
        OT_RC(core_vmm_free(a, PAGE), rcInvalidArgument);
        OT_RC(core_vmm_free(a, 3 * PAGE), rcOk);
        OT_EQ(((volatile uint32_t *)(uintptr_t)b)[7], 77); /* the other mapping is intact */
        OT_RC(core_vmm_free(b, PAGE), rcOk);
    }
    clones(h);
    /* MdlCreateFromVm takes only a committed region of the caller's own (os_mdl_vm tests it):
     * the freed mapping's address is nothing now. */
    {
        CL(vmm_VMM, CORE_MSG_SMALL);
        idl_handle_t c = {0};
        OT_RC(core_result(kl_core_VMM_MdlCreateFromVm(&cl, a, PAGE, RW, &c, &rc), &rc), rcNotFound);
    }
    OT_RC(close_handle(h), rcOk);
    OT_RC(core_mdl_get_size(h, &size), rcBadHandle);
}

/* RAM: the frames are charged to the creator while any handle or mapping holds the buffer. */
static void accounting(void)
{
    const uint64_t big = 2ull * 1024 * 1024; /* half of ShmTest's 4 MiB */
    uint32_t h1 = 0, h2 = 0;
    uint64_t va = 0;
    if (!OT_RC(core_mdl_create(big, RW, &h1), rcOk))
        return;
    OT_RC(core_mdl_create(big, RW, &h2), rcQuotaExceeded); /* 4 MiB minus what runs here */
    OT_RC(close_handle(h1), rcOk);
    /* Given back: the same size fits again. */
    if (!OT_RC(core_mdl_create(big, RW, &h1), rcOk))
        return;
    if (OT_RC(core_mdl_map(h1, 0, big, 0, RW, &va), rcOk)) {
        volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)va;
        p[big - 1] = 9;
        OT_RC(close_handle(h1), rcOk);
        OT_EQ(p[big - 1], 9);                                  /* the mapping keeps the buffer */
        OT_RC(core_mdl_create(big, RW, &h2), rcQuotaExceeded); /* still charged */
        OT_RC(core_vmm_free(va, big), rcOk);                   /* the last reference */
    } else {
        close_handle(h1);
    }
    /* A clone holds the buffer (and its charge) like a mapping does. */
    uint32_t c = 0;
    if (!OT_RC(core_mdl_create(big, RW, &h1), rcOk))
        return;
    if (OT_RC(core_mdl_clone(h1, 0, PAGE, &c), rcOk)) {
        OT_RC(close_handle(h1), rcOk);
        OT_RC(core_mdl_create(big, RW, &h2), rcQuotaExceeded);
        OT_RC(close_handle(c), rcOk);
    } else {
        close_handle(h1);
    }
    if (OT_RC(core_mdl_create(big, RW, &h2), rcOk))
        OT_RC(close_handle(h2), rcOk);
}

/* Two processes: each sees the other's writes, a futex wait in one is ended by a wake in the
 * other (both ways), unmapping and exit in one leave the other's view intact. */
static void two_processes(void)
{
    uint32_t h = 0;
    uint64_t va = 0;
    if (!OT_RC(core_mdl_create(2 * PAGE, RW, &h), rcOk))
        return;
    if (!OT_RC(core_mdl_map(h, 0, 2 * PAGE, 0, RW, &va), rcOk))
        return;
    volatile uint32_t *w = (volatile uint32_t *)(uintptr_t)va;
    w[W_PARENT] = PARENT_MAGIC;

    CL(task_Task, CORE_MSG_MEDIUM);
    idl_handle_t child = {0};
    if (!OT_RC(core_result(kl_core_Task_Create(&cl, "ShmPeer", "ostest.ShmPeer", "os_shm", 0, 10, 0,
                                               &child, &rc),
                           &rc),
               rcOk))
        return;
    uint32_t task = child.handle;
    /* Transferred with map, read and write only: the peer cannot pass it on. */
    kl_core_Types_HandleValue theirs = kl_core_Types_InvalidHandleValue;
    OT_RC(core_result(kl_core_Task_TransferHandle(&cl, H(task), H(h),
                                                  H(kl_core_Types_InvalidHandleValue),
                                                  HR_MEMORY_MAP | HR_READ | HR_WRITE, &theirs, &rc),
                      &rc),
          rcOk);
    OT_RC(spawn_set_env(task, "ShmPeer", "peer", "mdl", theirs), rcOk);
    /* Our handle is no longer needed: the mapping holds the buffer. */
    OT_RC(close_handle(h), rcOk);
    OT_RC(core_result(kl_core_Task_Resume(&cl, H(task), &rc), &rc), rcOk);

    /* The peer sleeps 200 ms before it sets W_UP and wakes us: this Wait really sleeps, and
     * only a wake from the other process ends it before the timeout. */
    Retcode r = core_sync_wait(&w[W_UP], 0, 5000);
    OT_TRUE(r == rcOk || (r == rcResourceBusy && w[W_UP] == 1));
    OT_EQ(w[W_UP], 1);
    OT_EQ(w[W_PEER], PEER_MAGIC);
    /* The other way: wake the peer, which waits on W_DOWN (give it time to fall asleep; if it
     * has not, its Wait sees W_DOWN == 1 and returns at once; a lost wake-up would end its
     * 5 s wait with rcTimeout, which it reports). */
    core_thread_sleep(100);
    w[W_DOWN] = 1;
    uint32_t woken = 0;
    OT_RC(core_sync_wake(&w[W_DOWN], 1, &woken), rcOk);
    OT_TRUE(woken <= 1);
    if (woken == 0)
        printf("os_shm: the peer was not asleep yet (its Wait saw the new value)\n");

    kl_core_Task_TaskExitReason why = 99;
    struct kl_core_Task_TaskExitInfo info;
    if (OT_RC(spawn_wait(task, 10000, &why, &info), rcOk)) {
        OT_EQ(why, kl_core_Task_TaskExitNormal);
        OT_EQ(info.u.exitCode, 0);
    }
    OT_RC(close_handle(task), rcOk);
    /* The peer unmapped and exited: our view is intact. */
    OT_EQ(w[W_RESULT], 0x80000000u);
    OT_EQ(w[W_PARENT], PARENT_MAGIC);
    OT_EQ(w[W_PEER], PEER_MAGIC);
    w[1024] = 5;
    OT_EQ(w[1024], 5);
    OT_RC(core_vmm_free(va, 2 * PAGE), rcOk);
}

/* A buffer handed to another process in an IPC request: it maps it, reads our write, writes
 * back, unmaps and closes; our view is untouched by that. */
static void ipc_transfer(void)
{
    uint32_t h = 0;
    uint64_t va = 0;
    if (!OT_RC(core_mdl_create(PAGE, RW, &h), rcOk))
        return;
    if (OT_RC(core_mdl_map(h, 0, PAGE, 0, RW, &va), rcOk)) {
        volatile uint32_t *w = (volatile uint32_t *)(uintptr_t)va;
        w[0] = 0x1234;
        struct ipc_channel ch;
        if (OT_RC(ipc_connect(&ch, "shm"), rcOk)) {
            ch.timeout_ms = 5000;
            static _Alignas(8) uint8_t req[256], res[256];
            struct idl_client cl;
            ipc_client_init(&cl, &ch, ostest_ShmServer_EP_shm, req, sizeof req, res, sizeof res);
            uint32_t first = 0;
            int32_t rc = rcFail;
            idl_handle_t give = {.handle = h, .rights = HR_MEMORY_MAP | HR_READ | HR_WRITE};
            if (OT_RC(ostest_ShmShare_Share(&cl, give, &first, &rc), rcOk)) {
                OT_RC((Retcode)rc, rcOk);
                OT_EQ(first, 0x1234);
                OT_EQ(w[1], 0x1235);
            }
        }
        w[2] = 7;
        OT_EQ(w[2], 7);
        OT_RC(core_vmm_free(va, PAGE), rcOk);
    }
    OT_RC(close_handle(h), rcOk);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "peer") == 0)
        return peer();
    if (argc > 1 && strcmp(argv[1], "server") == 0)
        return server();
    ot_begin("os_shm");
    bad_arguments();
    accounting();
    two_processes();
    ipc_transfer();
    return ot_end();
}
