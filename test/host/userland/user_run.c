/*
 * user-run: runs a Bastion user program (a static PIE from bastion_user_program) as a Linux
 * process under ptrace, standing in for the kernel, so that crt0, the self-relocation, the start
 * block, the proxies, printf, malloc and exit are tested by executing them before (and
 * independently of) the real kernel.
 *
 *   user-run [-v] [-a ARG]... [-e NAME=VALUE]... PROGRAM     (-v: log every call on stderr)
 *
 * Linux loads the static PIE at a random address (so the relocation is exercised) and starts it
 * with rdi = 0; at the exec stop we write a start block into the top of its stack (Linux's
 * argv/env area, padded on purpose) and point rdi at it. Every SYSCALL then stops at entry:
 *   SYS_CALL on the Core handle: the request is routed and dispatched with the generated
 *   kl.core dispatchers to the handlers below; the Linux system call is rewritten into what the
 *   method needs in the process (mmap for VMM.Allocate, munmap for Free, exit_group for
 *   Task.Exit, getpid otherwise), and at the exit stop the response is written back and
 *   rax/rdx set as the Bastion ABI says, every other register restored.
 *   Other Bastion system calls: rcNotSupported (SYS_NULL: rcOk).
 * HAL.DebugWrite goes to stdout. The exit status is the program's Task.Exit status; 125 means
 * user-run itself failed, 126 the program died of a signal, 124 this machine does not allow
 * tracing a child (ctest counts that as skipped).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bastion/startblock.h>
#include <bastion/syscall.h>

#include "kl/core/Core.edl.h"

const char *retcode_name(Retcode rc);

#define CORE_HANDLE 1u
#define LINUX_MMAP 9
#define LINUX_MUNMAP 11
#define LINUX_GETPID 39
#define LINUX_EXIT_GROUP 231

static pid_t child;
static int verbose;

/* What the method being emulated needs from Linux, decided in the first dispatch pass. */
static struct {
    int second_pass; /* 0: decide the Linux call; 1: build the response from its result */
    long nr;
    unsigned long a0, a1, a2, a3, a4, a5;
    long result;
} sc;

static void want(long nr, unsigned long a0, unsigned long a1, unsigned long a2, unsigned long a3,
                 unsigned long a4, unsigned long a5)
{
    if (sc.second_pass)
        return;
    sc.nr = nr;
    sc.a0 = a0, sc.a1 = a1, sc.a2 = a2, sc.a3 = a3, sc.a4 = a4, sc.a5 = a5;
}

static Retcode hal_debug_write(void *ctx, struct idl_seq data, kl_core_Types_Retcode *rc)
{
    (void)ctx;
    if (!sc.second_pass) {
        fwrite(data.data, 1, data.count, stdout);
        fflush(stdout);
    }
    *rc = rcOk;
    return rcOk;
}

static Retcode hal_get_entropy(void *ctx, struct idl_seq *buffer, uint32_t size,
                               kl_core_Types_Retcode *rc)
{
    (void)ctx;
    static uint8_t bytes[kl_core_HAL_EntropyMax];
    if (size > sizeof bytes) {
        *rc = rcOutOfRange;
        return rcOk;
    }
    for (uint32_t i = 0; i < size; i++)
        bytes[i] = (uint8_t)(0xA5 ^ (i * 29));
    buffer->data = bytes;
    buffer->count = size;
    *rc = rcOk;
    return rcOk;
}

static Retcode vmm_allocate(void *ctx, uint64_t addr, uint64_t size, uint32_t flags, uint64_t *va,
                            kl_core_Types_Retcode *rc)
{
    (void)ctx;
    (void)flags;
    if (size == 0 || size % 4096 || addr % 4096) {
        *rc = rcInvalidArgument;
        return rcOk;
    }
    /* Reserved and committed regions are both plain read-write mappings here. */
    want(LINUX_MMAP, addr, size, PROT_READ | PROT_WRITE,
         MAP_PRIVATE | MAP_ANONYMOUS | (addr ? MAP_FIXED_NOREPLACE : 0), (unsigned long)-1, 0);
    *va = (uint64_t)sc.result;
    *rc = sc.result < 0 && sc.result > -4096 ? rcOutOfMemory : rcOk;
    return rcOk;
}

static Retcode vmm_commit(void *ctx, uint64_t va, uint64_t size, uint32_t flags,
                          kl_core_Types_Retcode *rc)
{
    (void)ctx, (void)va, (void)size, (void)flags;
    *rc = rcOk;
    return rcOk;
}

static Retcode vmm_free(void *ctx, uint64_t va, uint64_t size, kl_core_Types_Retcode *rc)
{
    (void)ctx;
    want(LINUX_MUNMAP, va, size, 0, 0, 0, 0);
    *rc = sc.result == 0 ? rcOk : rcInvalidArgument;
    return rcOk;
}

static Retcode task_exit(void *ctx, int32_t status, kl_core_Types_Retcode *rc)
{
    (void)ctx;
    want(LINUX_EXIT_GROUP, (unsigned long)(uint32_t)status, 0, 0, 0, 0, 0);
    *rc = rcOk;
    return rcOk;
}

static Retcode thread_exit(void *ctx, int32_t code, kl_core_Types_Retcode *rc)
{
    return task_exit(ctx, code, rc);
}

static Retcode sync_wait(void *ctx, uint64_t ptr, uint32_t val, uint32_t delay, uint32_t *left,
                         kl_core_Types_Retcode *rc)
{
    (void)ctx, (void)ptr, (void)val, (void)delay;
    *left = 0;
    *rc = rcResourceBusy; /* one thread: nobody could wake it */
    return rcOk;
}

static Retcode sync_wake(void *ctx, uint64_t ptr, uint32_t n, uint32_t *woken,
                         kl_core_Types_Retcode *rc)
{
    (void)ctx, (void)ptr, (void)n;
    *woken = 0;
    *rc = rcOk;
    return rcOk;
}

static const struct kl_core_HAL_ops hal_ops = {.DebugWrite = hal_debug_write,
                                               .GetEntropy = hal_get_entropy};
static const struct kl_core_VMM_ops vmm_ops = {
    .Allocate = vmm_allocate, .Commit = vmm_commit, .Free = vmm_free};
static const struct kl_core_Task_ops task_ops = {.Exit = task_exit};
static const struct kl_core_Thread_ops thread_ops = {.Exit = thread_exit};
static const struct kl_core_Sync_ops sync_ops = {.Wait = sync_wait, .Wake = sync_wake};

static Retcode dispatch(const void *req, size_t len, void *res, size_t cap, size_t *res_len)
{
    struct idl_header h;
    if (idl_peek_header(req, len, &h) != IDL_OK)
        return rcBadMessage;
    switch (h.endpoint_id) {
    case kl_core_Core_EP_hal_HAL:
        return kl_core_HAL_dispatch(&hal_ops, NULL, req, len, res, cap, res_len);
    case kl_core_Core_EP_vmm_VMM:
        return kl_core_VMM_dispatch(&vmm_ops, NULL, req, len, res, cap, res_len);
    case kl_core_Core_EP_task_Task:
        return kl_core_Task_dispatch(&task_ops, NULL, req, len, res, cap, res_len);
    case kl_core_Core_EP_thread_Thread:
        return kl_core_Thread_dispatch(&thread_ops, NULL, req, len, res, cap, res_len);
    case kl_core_Core_EP_sync_Sync:
        return kl_core_Sync_dispatch(&sync_ops, NULL, req, len, res, cap, res_len);
    default:
        return rcNotSupported;
    }
}

static int peek(uint64_t addr, void *buf, size_t len)
{
    struct iovec l = {buf, len}, r = {(void *)(uintptr_t)addr, len};
    return process_vm_readv(child, &l, 1, &r, 1, 0) == (ssize_t)len ? 0 : -1;
}

static int poke(uint64_t addr, const void *buf, size_t len)
{
    struct iovec l = {(void *)buf, len}, r = {(void *)(uintptr_t)addr, len};
    return process_vm_writev(child, &l, 1, &r, 1, 0) == (ssize_t)len ? 0 : -1;
}

static void die(const char *what)
{
    fprintf(stderr, "user-run: %s: %s\n", what, strerror(errno));
    if (child > 0)
        kill(child, SIGKILL);
    exit(125);
}

/* Writes the start block and its strings at `at` (in the child), returns its address. */
/* The host's TSC rate, measured over 20 ms of CLOCK_MONOTONIC, as the kernel measures it at
 * boot: the program's clock (lwIP's sys_now) scales rdtsc by it. */
static uint64_t host_tsc_hz(void)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    uint64_t t0 = __builtin_ia32_rdtsc();
    do
        clock_gettime(CLOCK_MONOTONIC, &b);
    while ((b.tv_sec - a.tv_sec) * 1000000000ll + (b.tv_nsec - a.tv_nsec) < 20000000ll);
    uint64_t ticks = __builtin_ia32_rdtsc() - t0;
    uint64_t ns = (uint64_t)((b.tv_sec - a.tv_sec) * 1000000000ll + (b.tv_nsec - a.tv_nsec));
    return ticks * 1000u / (ns / 1000000u);
}

static uint64_t build_start_block(uint64_t at, int argc, char **argv, int envc, char **envp)
{
    static uint8_t img[16384];
    size_t off = sizeof(struct bastion_start_block);
    uint64_t ptrs[64 + 64 + 2];
    int np = 0;
    for (int i = 0; i < argc + envc; i++) {
        const char *s = i < argc ? argv[i] : envp[i - argc];
        size_t n = strlen(s) + 1;
        memcpy(img + off, s, n);
        ptrs[np++] = at + off;
        off += n;
        if (i == argc - 1 || (argc == 0 && i == -1))
            ptrs[np++] = 0;
    }
    if (argc == 0)
        ptrs[np++] = 0;
    ptrs[np++] = 0;
    off = (off + 7) & ~(size_t)7;
    uint64_t vec = at + off;
    memcpy(img + off, ptrs, (size_t)np * 8);
    off += (size_t)np * 8;
    struct bastion_start_block sb = {
        .magic = BASTION_START_MAGIC,
        .version = BASTION_START_VERSION,
        .core_handle = CORE_HANDLE,
        .argc = (uint32_t)argc,
        .argv = vec,
        .envc = (uint32_t)envc,
        .envp = vec + (uint64_t)(argc + 1) * 8,
        .tsc_hz = host_tsc_hz(),
    };
    memcpy(img, &sb, sizeof sb);
    if (poke(at, img, off) != 0)
        die("writing the start block");
    return at;
}

int main(int argc, char **argv)
{
    char *args[64], *envs[64];
    int nargs = 0, nenv = 0, opt;
    while ((opt = getopt(argc, argv, "va:e:")) != -1) {
        if (opt == 'v')
            verbose = 1;
        else if (opt == 'a' && nargs < 63)
            args[nargs++] = optarg;
        else if (opt == 'e' && nenv < 63)
            envs[nenv++] = optarg;
        else
            return 125;
    }
    if (optind != argc - 1) {
        fprintf(stderr, "usage: user-run [-a ARG]... [-e NAME=VALUE]... PROGRAM\n");
        return 125;
    }
    /* Room for the start block above the initial stack pointer: a long environment. */
    static char pad[20000];
    memset(pad, 'x', sizeof pad - 1);
    memcpy(pad, "PAD=", 4);
    char *linux_env[] = {pad, NULL};
    char *linux_argv[] = {argv[optind], NULL};

    child = fork();
    if (child < 0)
        die("fork");
    if (child == 0) {
        if (ptrace(PTRACE_TRACEME, 0, 0, 0) < 0)
            _exit(124); /* never run the program untraced: its SYSCALLs would reach Linux */
        execve(argv[optind], linux_argv, linux_env);
        _exit(127);
    }
    int st;
    if (waitpid(child, &st, 0) < 0)
        die("exec");
    if (WIFEXITED(st) && WEXITSTATUS(st) == 124) {
        fprintf(stderr, "user-run: ptrace is not allowed here\n");
        return 124;
    }
    if (!WIFSTOPPED(st))
        die("exec");
    struct user_regs_struct r;
    if (ptrace(PTRACE_GETREGS, child, 0, &r) < 0)
        die("GETREGS");
    r.rdi = build_start_block((r.rsp + 64) & ~15ull, nargs, args, nenv, envs);
    if (ptrace(PTRACE_SETREGS, child, 0, &r) < 0)
        die("SETREGS");

    static _Alignas(8) uint8_t req[IDL_MESSAGE_MAX], res[IDL_MESSAGE_MAX];
    for (;;) {
        if (ptrace(PTRACE_SYSCALL, child, 0, 0) < 0 || waitpid(child, &st, 0) < 0)
            die("waiting for a system call");
        if (WIFEXITED(st))
            return WEXITSTATUS(st);
        if (WIFSIGNALED(st)) {
            fprintf(stderr, "user-run: the program died of signal %d\n", WTERMSIG(st));
            return 126;
        }
        if (WSTOPSIG(st) != SIGTRAP) {
            struct user_regs_struct fr;
            ptrace(PTRACE_GETREGS, child, 0, &fr);
            fprintf(stderr, "user-run: the program got signal %d at rip %#llx\n", WSTOPSIG(st),
                    fr.rip);
            kill(child, SIGKILL);
            return 126;
        }
        struct user_regs_struct e;
        ptrace(PTRACE_GETREGS, child, 0, &e); /* syscall entry */
        long nr = (long)e.orig_rax;
        size_t len = e.rdx, res_len = 0;
        Retcode rc = rcNotSupported;
        memset(&sc, 0, sizeof sc);
        sc.nr = LINUX_GETPID;
        int is_call = nr == SYS_CALL && e.rdi == CORE_HANDLE && len <= sizeof req &&
                      peek(e.rsi, req, len) == 0;
        if (is_call)
            dispatch(req, len, res, sizeof res, &res_len); /* first pass: which Linux call */
        struct user_regs_struct l = e;
        l.orig_rax = (unsigned long long)sc.nr;
        l.rdi = sc.a0, l.rsi = sc.a1, l.rdx = sc.a2, l.r10 = sc.a3, l.r8 = sc.a4, l.r9 = sc.a5;
        ptrace(PTRACE_SETREGS, child, 0, &l);
        if (ptrace(PTRACE_SYSCALL, child, 0, 0) < 0 || waitpid(child, &st, 0) < 0)
            die("running the system call");
        if (WIFEXITED(st))
            return WEXITSTATUS(st);
        if (!WIFSTOPPED(st))
            return 126;
        struct user_regs_struct x;
        ptrace(PTRACE_GETREGS, child, 0, &x); /* syscall exit */
        if (nr == SYS_NULL)
            rc = rcOk;
        if (is_call) {
            sc.second_pass = 1;
            sc.result = (long)x.rax;
            rc = dispatch(req, len, res, sizeof res, &res_len);
            if (rc == rcOk && res_len > e.r8)
                rc = rcBufferTooSmall;
            else if (rc == rcOk && poke(e.r10, res, res_len) != 0)
                rc = rcInvalidArgument;
        }
        if (verbose) {
            struct idl_header h = {0};
            if (is_call)
                idl_peek_header(req, len, &h);
            fprintf(stderr,
                    "user-run: syscall %ld%s ep %u method %u -> %s (%zu bytes; linux %ld -> "
                    "%#lx)\n",
                    nr, is_call ? " core" : "", h.endpoint_id, h.method_id, retcode_name(rc),
                    res_len, sc.nr, (unsigned long)sc.result);
        }
        e.rax = (unsigned long long)(long long)rc;
        e.rdx = rc == rcOk ? res_len : 0;
        ptrace(PTRACE_SETREGS, child, 0, &e);
    }
}
