/*
 * os_notice (class ostest.Notice): notification receivers, kl.core.Notice.
 *
 *   events   each kind arrives with its entry's id and the mask it asked for: a thread's end
 *            (waited for while the thread runs), a child process's end (one wait: how a parent
 *            learns of a child's end without polling Task.GetExitInfo), an
 *            object that had already ended when it was subscribed to, a user object's own events
 *            (SetObjectEvent, only the subscribed bits) and its end, a badge's end through
 *            CreateBadge's notify;
 *   revoke   a user object's copy revoked by RevokeSubtree gives NoticeHandleRevoked to an
 *            entry made through that copy; a RevokeSubtree with nothing left to revoke gives
 *            none; a Revoke that revokes a copy and closes the last live handle gives both
 *            bits in one event; a Revoke of a handle without descendants only its end;
 *   freeze   a child created with BASTION_TASK_CREATE_FREEZE_ON_FAULT (os_crash, reading
 *            address 0) gives NoticeProcessFrozen, not its end; GetExitInfo then reports the
 *            fault; an entry added after the freeze gets it at once; its end comes when it is
 *            terminated;
 *   waits    a poll (mdelay 0) and a timeout return rcTimeout, the timeout after its time;
 *   removal  UnsubscribeFromEvent and UnsubscribeFromObject remove entries (rcNotFound the
 *            second time) and no event of theirs arrives after;
 *   drop     DropAndWake wakes a thread waiting with no limit: rcNoticeDropped, the receiver
 *            stays usable; with finish rcNoticeFinished, and every later GetEvent or
 *            SubscribeToObject is refused with it;
 *   deaths   a receiver closed while subscribed to a thread that ends afterwards (nothing left
 *            pointing at it), objects that end while subscribed (above);
 *   refusals a mask of no bit, user bits on a thread, the freeze bit on a thread, a bit no
 *            object raises, an object that raises nothing, a finish of 2, SetObjectEvent of a
 *            kernel bit or on a thread.
 * Every wait for an event is bounded only so that a lost event fails the test (60 s at most
 * where something must run first); none depends on how fast it runs.
 *
 * Run as "os_notice child" it is the child process whose end is watched: it exits at once.
 */
#include <stdint.h>
#include <string.h>

#include <bastion/rights.h>
#include <bastion/task.h>
#include <user/core.h>
#include <user/start.h>
#include <user/thread.h>

#include "notice_calls.h"
#include "ostest.h"
#include "spawn.h"
#include "task_calls.h"
#include "time_calls.h"

#define ENDED kl_core_Notice_NoticeObjectEnded
#define REVOKED kl_core_Notice_NoticeHandleRevoked
#define FROZEN kl_core_Notice_NoticeProcessFrozen
#define USER_A 0x10000u
#define USER_B 0x20000u

/* One GetEvent that must give exactly the event (id, mask). */
static bool expect_event(uint32_t r, uint32_t msec, uint64_t id, uint32_t mask, int line)
{
    struct kl_core_Notice_NoticeEvent ev[kl_core_Notice_NoticeEventsMax];
    uint32_t n = 0;
    Retcode rc = nc_get(r, msec, ev, &n);
    return ot_check(rc == rcOk && n == 1 && ev[0].evId == id && ev[0].evMask == mask, line,
                    "the event arrives", "%s, %u events, first id %llu mask %#x (want %llu %#x)",
                    retcode_name(rc), n, n ? (unsigned long long)ev[0].evId : 0ull,
                    n ? ev[0].evMask : 0u, (unsigned long long)id, mask);
}

static bool expect_none(uint32_t r, int line)
{
    struct kl_core_Notice_NoticeEvent ev[kl_core_Notice_NoticeEventsMax];
    uint32_t n = 0;
    Retcode rc = nc_get(r, 0, ev, &n);
    return ot_check(rc == rcTimeout && n == 0, line, "no event is pending", "%s, %u events",
                    retcode_name(rc), n);
}

static int sleep_then_end(void *arg)
{
    core_thread_sleep((uint32_t)(uintptr_t)arg);
    return 0;
}

static void waits(uint32_t r)
{
    /* Under a loaded emulator one call may be preempted for long (each asks the security
     * monitor), so the quickest of three polls is compared with one timeout's wait. */
    int64_t poll = INT64_MAX;
    for (int i = 0; i < 3; i++) {
        int64_t t0 = monotonic_ns();
        expect_none(r, __LINE__);
        int64_t d = monotonic_ns() - t0;
        poll = d < poll ? d : poll;
    }
    struct kl_core_Notice_NoticeEvent ev[kl_core_Notice_NoticeEventsMax];
    uint32_t n = 0;
    int64_t t1 = monotonic_ns();
    OT_RC(nc_get(r, 500, ev, &n), rcTimeout);
    int64_t wait = monotonic_ns() - t1;
    ot_check(poll < wait, __LINE__, "a poll does not wait as a timeout does",
             "poll %lld ms, timeout %lld ms", (long long)(poll / NS_PER_MS),
             (long long)(wait / NS_PER_MS));
    ot_check(wait >= 490 * NS_PER_MS, __LINE__, "a timeout waits its time", "%lld ms",
             (long long)(wait / NS_PER_MS));
}

static void thread_end(uint32_t r)
{
    struct thread t;
    if (!OT_RC(thread_create(&t, sleep_then_end, (void *)(uintptr_t)100, THREAD_PRIO_DEFAULT, 0),
               rcOk))
        return;
    OT_RC(nc_subscribe(r, t.handle, ENDED, 11), rcOk);
    /* Waits while the thread still sleeps: the event wakes it. */
    expect_event(r, 5000, 11, ENDED, __LINE__);
    OT_RC(thread_join(&t, 5000, NULL), rcOk);
    /* An object that already ended: its end is pending at once. */
    OT_RC(nc_subscribe(r, t.handle, ENDED, 12), rcOk);
    expect_event(r, 0, 12, ENDED, __LINE__);
    /* The entries of an ended object go once their event is fetched. */
    OT_RC(nc_unsubscribe_id(r, 12), rcNotFound);
    OT_RC(nc_close(t.handle), rcOk);
}

static void process_end(uint32_t r)
{
    uint32_t task = NOTICE_NONE;
    if (!OT_RC(spawn("NoticeChild", "ostest.Notice", "os_notice", "child", 1, &task), rcOk))
        return;
    OT_RC(nc_subscribe(r, task, ENDED, 21), rcOk);
    CORE_CLIENT(cl, kl_core_Core_EP_task_Task, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    OT_RC(core_result(kl_core_Task_Resume(&cl, core_handle_arg(task), &rc), &rc), rcOk);
    /* One wait for the child's end, where Einit polls Task.GetExitInfo (bounded here only so
     * that a lost event fails the test instead of stopping it; DropAndWake's waiters below
     * wait with no limit). */
    expect_event(r, 60000, 21, ENDED, __LINE__);
    kl_core_Task_TaskExitReason why = 0;
    struct kl_core_Task_TaskExitInfo info;
    memset(&info, 0, sizeof info);
    OT_RC(spawn_wait(task, 0, &why, &info), rcOk);
    OT_RC(nc_close(task), rcOk);
}

static Retcode badge_with_notify(uint32_t notify, uint64_t id, uint32_t *out)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t h = {NOTICE_NONE, 0};
    Retcode r =
        core_result(kl_core_Handle_CreateBadge(&cl, core_handle_arg(notify), id, 0, &h, &rc), &rc);
    *out = h.handle;
    return r;
}

static Retcode user_object(uint32_t listener, uint32_t *out)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t h = {NOTICE_NONE, 0};
    Retcode r =
        core_result(kl_core_Handle_CreateUserObject(&cl, 1, HR_READ | HR_WRITE | HR_BASIC, 0,
                                                    core_handle_arg(listener), 1, &h, &rc),
                    &rc);
    *out = h.handle;
    return r;
}

/* Handle.RevokeSubtree with no badge (subtree) or Handle.Revoke of h. */
static Retcode revoke(uint32_t h, bool subtree)
{
    CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    if (subtree)
        return core_result(
            kl_core_Handle_RevokeSubtree(&cl, core_handle_arg(h),
                                         core_handle_arg(kl_core_Types_InvalidHandleValue), &rc),
            &rc);
    return core_result(kl_core_Handle_Revoke(&cl, core_handle_arg(h), &rc), &rc);
}

/* Revocations of a user object's handles, seen by an entry made through a copy (a holder of a
 * handle the owner may take back). */
static void revocation(uint32_t r, uint32_t listener)
{
    uint32_t u = NOTICE_NONE, copy = NOTICE_NONE, copy2 = NOTICE_NONE, v = NOTICE_NONE;
    if (!OT_RC(user_object(listener, &u), rcOk) || !OT_RC(handle_copy(u, HR_READ, &copy), rcOk))
        return;
    OT_RC(nc_subscribe(r, copy, REVOKED | ENDED, 35), rcOk);
    /* The copy is revoked, the object lives on (the owner's handle). */
    OT_RC(revoke(u, true), rcOk);
    expect_event(r, 5000, 35, REVOKED, __LINE__);
    OT_RC(nc_subscribe(r, copy, ENDED, 36), rcHandleRevoked);
    /* Nothing left below the owner's handle: nothing revoked, no event. */
    OT_RC(revoke(u, true), rcOk);
    expect_none(r, __LINE__);
    OT_RC(nc_close(copy), rcOk);
    /* Revoke: the new copy is revoked and the owner's handle closed, the last live one: the
     * revocation and the end, one event with both bits. */
    if (OT_RC(handle_copy(u, HR_READ, &copy2), rcOk)) {
        OT_RC(revoke(u, false), rcOk);
        expect_event(r, 5000, 35, REVOKED | ENDED, __LINE__);
        OT_RC(nc_close(copy2), rcOk);
    } else {
        OT_RC(nc_close(u), rcOk);
        expect_event(r, 5000, 35, ENDED, __LINE__);
    }
    /* A Revoke of a handle with no descendant revokes nothing: only the object's end. */
    if (OT_RC(user_object(listener, &v), rcOk)) {
        OT_RC(nc_subscribe(r, v, REVOKED | ENDED, 37), rcOk);
        OT_RC(revoke(v, false), rcOk);
        expect_event(r, 5000, 37, ENDED, __LINE__);
    }
}

static void user_object_and_badge(uint32_t r)
{
    uint32_t listener = NOTICE_NONE, u = NOTICE_NONE, b = NOTICE_NONE;
    if (OT_RC(start_connection("own", &listener), rcOk)) {
        CORE_CLIENT(cl, kl_core_Core_EP_handle_Handle, CORE_MSG_SMALL);
        kl_core_Types_Retcode rc = rcFail;
        idl_handle_t h = {NOTICE_NONE, 0};
        OT_RC(core_result(kl_core_Handle_CreateUserObject(&cl, 1, HR_READ | HR_WRITE, 0,
                                                          core_handle_arg(listener), 1, &h, &rc),
                          &rc),
              rcOk);
        u = h.handle;
        OT_RC(nc_subscribe(r, u, USER_A | ENDED, 31), rcOk);
        /* Only the subscribed bits come through. */
        OT_RC(nc_set_event(u, USER_A | USER_B), rcOk);
        expect_event(r, 1000, 31, USER_A, __LINE__);
        OT_RC(nc_set_event(u, USER_B), rcOk);
        expect_none(r, __LINE__);
        /* Events add up until fetched. */
        OT_RC(nc_set_event(u, USER_A), rcOk);
        OT_RC(nc_set_event(u, USER_A), rcOk);
        expect_event(r, 0, 31, USER_A, __LINE__);
        OT_RC(nc_set_event(u, ENDED), rcInvalidArgument);
        OT_RC(nc_set_event(u, 0), rcInvalidArgument);
        /* Its last handle closed: its end. */
        OT_RC(nc_close(u), rcOk);
        expect_event(r, 1000, 31, ENDED, __LINE__);
        revocation(r, listener);
    }
    if (OT_RC(badge_with_notify(r, 41, &b), rcOk)) {
        expect_none(r, __LINE__);
        OT_RC(nc_close(b), rcOk);
        expect_event(r, 1000, 41, ENDED, __LINE__);
    }
    /* A badge's notify must be a receiver. */
    uint32_t other = NOTICE_NONE;
    if (OT_RC(badge_with_notify(NOTICE_NONE, 0, &b), rcOk)) {
        OT_RC(badge_with_notify(b, 42, &other), rcBadHandle);
        OT_RC(nc_close(b), rcOk);
    }
}

/* A child that freezes at its fault: the freeze is an event of its own, before its end. */
static void freeze(uint32_t r)
{
    uint32_t task = NOTICE_NONE;
    if (!OT_RC(task_create_flags("NoticeCrash", "ostest.Crash", "os_crash",
                                 BASTION_TASK_CREATE_FREEZE_ON_FAULT, &task),
               rcOk))
        return;
    OT_RC(nc_subscribe(r, task, FROZEN | ENDED, 91), rcOk);
    OT_RC(spawn_set_env(task, "NoticeCrash", "null", NULL, 0), rcOk);
    if (!OT_RC(task_resume(task), rcOk)) {
        OT_RC(nc_close(task), rcOk);
        return;
    }
    /* One wait: it runs, reads address 0, is frozen. Not ended: it waits for its inspector. */
    expect_event(r, 60000, 91, FROZEN, __LINE__);
    kl_core_Task_TaskExitReason why = 0;
    struct kl_core_Task_TaskExitInfo info;
    memset(&info, 0, sizeof info);
    if (OT_RC(spawn_wait(task, 0, &why, &info), rcOk)) { /* a frozen one answers at once */
        OT_EQ(why, kl_core_Task_TaskExitException);
        OT_EQ(info.u.fault.vector, 14);
    }
    /* An entry added after the freeze gets it at once. */
    OT_RC(nc_subscribe(r, task, FROZEN, 92), rcOk);
    expect_event(r, 0, 92, FROZEN, __LINE__);
    /* Ended: its end comes (and no second freeze). */
    OT_RC(task_terminate(task), rcOk);
    expect_event(r, 60000, 91, ENDED, __LINE__);
    OT_RC(spawn_wait(task, 60000, &why, &info), rcOk); /* reaped: its quota is back */
    OT_RC(nc_close(task), rcOk);
    expect_none(r, __LINE__);
}

static void removal(uint32_t r)
{
    struct thread t1, t2;
    if (!OT_RC(thread_create(&t1, sleep_then_end, (void *)(uintptr_t)50, THREAD_PRIO_DEFAULT, 0),
               rcOk))
        return;
    if (!OT_RC(thread_create(&t2, sleep_then_end, (void *)(uintptr_t)50, THREAD_PRIO_DEFAULT, 0),
               rcOk))
        return;
    OT_RC(nc_subscribe(r, t1.handle, ENDED, 51), rcOk);
    OT_RC(nc_subscribe(r, t2.handle, ENDED, 52), rcOk);
    OT_RC(nc_subscribe(r, t2.handle, ENDED, 53), rcOk);
    OT_RC(nc_unsubscribe_id(r, 51), rcOk);
    OT_RC(nc_unsubscribe_id(r, 51), rcNotFound);
    OT_RC(nc_unsubscribe_object(r, t2.handle), rcOk); /* both of t2's */
    OT_RC(nc_unsubscribe_object(r, t2.handle), rcNotFound);
    OT_RC(thread_join(&t1, 5000, NULL), rcOk);
    OT_RC(thread_join(&t2, 5000, NULL), rcOk);
    expect_none(r, __LINE__);
    OT_RC(nc_close(t1.handle), rcOk);
    OT_RC(nc_close(t2.handle), rcOk);
}

struct waiter {
    uint32_t r;
    Retcode rc;
};

static int wait_forever(void *arg)
{
    struct waiter *w = arg;
    struct kl_core_Notice_NoticeEvent ev[kl_core_Notice_NoticeEventsMax];
    uint32_t n = 0;
    w->rc = nc_get(w->r, NOTICE_INFINITE, ev, &n);
    return 0;
}

static void drop(uint32_t r)
{
    struct waiter w = {r, rcFail};
    struct thread t;
    if (!OT_RC(thread_create(&t, wait_forever, &w, THREAD_PRIO_DEFAULT, 0), rcOk))
        return;
    core_thread_sleep(100);
    OT_RC(thread_join(&t, 1, NULL), rcTimeout); /* it waits (Thread.Wait's 0 has no limit) */
    /* A drop wakes the threads waiting then; under load the waiter may not have reached its
     * wait yet, so drop again until it is woken (it cannot end any other way). */
    Retcode joined = rcTimeout;
    for (int i = 0; i < 100 && joined == rcTimeout; i++) {
        OT_RC(nc_drop(r, 0), rcOk);
        joined = thread_join(&t, 50, NULL);
    }
    OT_RC(joined, rcOk);
    OT_RC(w.rc, rcNoticeDropped);
    OT_RC(nc_close(t.handle), rcOk);
    /* Still usable. */
    struct thread s;
    if (OT_RC(thread_create(&s, sleep_then_end, (void *)(uintptr_t)20, THREAD_PRIO_DEFAULT, 0),
              rcOk)) {
        OT_RC(nc_subscribe(r, s.handle, ENDED, 61), rcOk);
        expect_event(r, 5000, 61, ENDED, __LINE__);
        OT_RC(thread_join(&s, 5000, NULL), rcOk);
        /* Finish: the waiter is woken with rcNoticeFinished, the receiver is dead after. */
        w.rc = rcFail;
        if (OT_RC(thread_create(&t, wait_forever, &w, THREAD_PRIO_DEFAULT, 0), rcOk)) {
            core_thread_sleep(100);
            OT_RC(nc_drop(r, 1), rcOk);
            OT_RC(thread_join(&t, 5000, NULL), rcOk);
            OT_RC(w.rc, rcNoticeFinished);
            OT_RC(nc_close(t.handle), rcOk);
        }
        OT_RC(nc_subscribe(r, s.handle, ENDED, 62), rcNoticeFinished);
        struct kl_core_Notice_NoticeEvent ev[kl_core_Notice_NoticeEventsMax];
        uint32_t n = 0;
        OT_RC(nc_get(r, 0, ev, &n), rcNoticeFinished);
        OT_RC(nc_close(s.handle), rcOk);
    }
}

static void receiver_dies_first(void)
{
    uint32_t r = NOTICE_NONE;
    struct thread t;
    if (!OT_RC(nc_create(&r), rcOk))
        return;
    if (OT_RC(thread_create(&t, sleep_then_end, (void *)(uintptr_t)50, THREAD_PRIO_DEFAULT, 0),
              rcOk)) {
        OT_RC(nc_subscribe(r, t.handle, ENDED, 71), rcOk);
        OT_RC(nc_close(r), rcOk);
        /* The thread ends with no receiver left: the kernel holds nothing of it. */
        OT_RC(thread_join(&t, 5000, NULL), rcOk);
        OT_RC(nc_close(t.handle), rcOk);
    }
}

static void refusals(uint32_t r)
{
    struct thread t;
    if (!OT_RC(thread_create(&t, sleep_then_end, (void *)(uintptr_t)10, THREAD_PRIO_DEFAULT, 0),
               rcOk))
        return;
    OT_RC(nc_subscribe(r, t.handle, 0, 81), rcInvalidArgument);
    OT_RC(nc_subscribe(r, t.handle, USER_A, 82), rcInvalidArgument);
    OT_RC(nc_subscribe(r, t.handle, FROZEN, 83), rcInvalidArgument); /* only processes freeze */
    OT_RC(nc_subscribe(r, t.handle, 0x8, 87), rcInvalidArgument);    /* no object raises it */
    OT_RC(nc_subscribe(r, r, ENDED, 84), rcNotSupported);            /* a receiver raises nothing */
    OT_RC(nc_subscribe(r, NOTICE_NONE, ENDED, 85), rcBadHandle);
    OT_RC(nc_subscribe(t.handle, t.handle, ENDED, 86), rcBadHandle); /* not a receiver */
    OT_RC(nc_set_event(t.handle, USER_A), rcBadHandle);              /* not a user object */
    OT_RC(nc_drop(r, 2), rcInvalidArgument);
    OT_RC(thread_join(&t, 5000, NULL), rcOk);
    OT_RC(nc_close(t.handle), rcOk);
    expect_none(r, __LINE__);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0)
        return 0;
    ot_begin("os_notice");
    uint32_t r = NOTICE_NONE;
    if (!OT_RC(nc_create(&r), rcOk))
        return ot_end();
    /* Each part says when it starts, so that a log shows where a wait stopped. */
    printf("os_notice: waits\n");
    waits(r);
    printf("os_notice: a thread's end\n");
    thread_end(r);
    printf("os_notice: a process's end\n");
    process_end(r);
    printf("os_notice: a user object, its revocations, a badge\n");
    user_object_and_badge(r);
    printf("os_notice: a child's freeze\n");
    freeze(r);
    printf("os_notice: removal, refusals, a receiver closed first\n");
    removal(r);
    refusals(r);
    receiver_dies_first();
    printf("os_notice: DropAndWake\n");
    drop(r);
    OT_RC(nc_close(r), rcOk);
    return ot_end();
}
