/*
 * The start block: what a new process finds in rdi when its first thread starts at the ELF entry.
 *
 * The kernel builds it in the process's own memory, at the top of the main stack (above the
 * initial stack pointer), when the process is resumed (Task.Resume, or at boot for Einit). Every
 * pointer in it is a user address inside that same area, so crt0 can use it directly; nothing
 * in it needs to be freed. At entry rdi = the block's address and rsp + 8 is 16-byte aligned (as
 * after a call instruction; [rsp] is not a return address to use).
 *
 * Where its contents come from: the parent writes the child's start-up data (SCP, "start-up
 * context") with Task.SetEnv before Task.Resume:
 *
 *   struct bastion_scp_header      magic, counts, limits (little-endian, 8-byte aligned start)
 *   argc NUL-terminated strings    argv[0..argc-1]; Einit puts the task name in argv[0]. With
 *                                  argc == 0 the kernel supplies argv[0] = the process name.
 *   envc NUL-terminated strings    "NAME=value"
 *   nconn records                  name (NUL-terminated, 1..BASTION_START_CONN_NAME_MAX bytes)
 *                                  followed by the 4-byte little-endian handle value (unaligned)
 *                                  of a handle the parent already placed in the child
 *                                  (Task.TransferHandle, or Handle.Connect's out values)
 *   nothing after the last record  (trailing bytes are refused)
 *
 * The kernel checks the whole blob when SetEnv is called (rcBadFormat: wrong magic, a missing
 * NUL, trailing bytes, an '=' missing in an env string; rcOutOfRange: a count above its maximum
 * or a name too long; rcTruncated: the blob ends early), so a malformed SCP never reaches the
 * child. The limits (0 = keep the current one) replace the child's kernel-memory and RAM
 * limits, carved out of the parent's (rcQuotaExceeded for more than the parent has left);
 * SetEnv is refused with rcResourceBusy once the child runs. BASTION_SCP_MAX equals
 * kl.core.Task.TaskEnvMax.
 *
 * Freestanding: only <stdint.h>, shared by the kernel, crt0, Einit and host tests.
 */
#ifndef BASTION_STARTBLOCK_H
#define BASTION_STARTBLOCK_H

#include <stdint.h>

#define BASTION_START_MAGIC 0x54525453u /* "STRT" read as little-endian bytes */
#define BASTION_START_VERSION 3u
#define BASTION_SCP_MAGIC 0x31504353u /* "SCP1" */

#define BASTION_SCP_MAX 8192u      /* bytes of SCP (= kl.core.Task.TaskEnvMax) */
#define BASTION_START_MAX_ARGS 64u /* argv entries, argv[0] included */
#define BASTION_START_MAX_ENV 64u
#define BASTION_START_MAX_CONNS 32u
#define BASTION_START_CONN_NAME_MAX 63u /* bytes of a connection name, without the NUL */

struct bastion_scp_header {
    uint32_t magic; /* BASTION_SCP_MAGIC */
    uint32_t argc;
    uint32_t envc;
    uint32_t nconn;
    uint64_t kernel_memory_limit; /* bytes; 0 = default */
    uint64_t ram_limit;           /* bytes; 0 = default */
};
_Static_assert(sizeof(struct bastion_scp_header) == 32, "SCP header is ABI");

/* A named connection: the handle the parent placed under that name. */
struct bastion_start_conn {
    uint64_t name;   /* user address of the NUL-terminated name */
    uint32_t handle; /* handle value in this process's table */
    uint32_t reserved;
};

struct bastion_start_block {
    uint32_t magic;       /* BASTION_START_MAGIC */
    uint32_t version;     /* BASTION_START_VERSION */
    uint32_t core_handle; /* handle value of the kernel (Core) channel: SYS_CALL on it */
    uint32_t argc;        /* >= 1: argv[0] is the task name */
    uint64_t argv;        /* user address of char *argv[argc + 1] (NULL-terminated) */
    uint32_t envc;
    uint32_t nconn;
    uint64_t envp;  /* user address of char *envp[envc + 1], "NAME=value" */
    uint64_t conns; /* user address of struct bastion_start_conn[nconn] */
    /* The executable's PT_TLS template (biased addresses); all 0 when it has none. */
    uint64_t tls_image, tls_file_size, tls_mem_size, tls_align;
    uint32_t pid;
    uint32_t ksm_receiver; /* 1 in the KSM only: its threads receive the kernel's security
                               * questions with SYS_KSM_WAIT (docs/security-model.md); else 0 */
    uint64_t stack_base;   /* lowest mapped byte of the main stack (a guard page is below) */
    uint64_t stack_size;   /* bytes of the main stack */
    uint64_t image_base;   /* load bias of the executable (the ASLR slide) */
    uint64_t boot_tsc;     /* the TSC at the kernel's first instructions (the boot benchmark) */
    uint32_t cpu_count;    /* CPUs online */
    uint32_t reserved2;    /* 0 */
    uint64_t tsc_hz;       /* TSC ticks per second, as the kernel measured them at boot: with
                               * rdtsc, a monotonic clock no sleep or load can skew (every CPU's
                               * TSC runs at this one constant rate) */
};

#endif
