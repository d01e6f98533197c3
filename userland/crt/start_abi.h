/*
 * The start block as userland reads it: the layout proposed to H10 for
 * kern/uapi/bastion/startblock.h (/work/plan/requests-h10.md). This is the one file that knows
 * the layout; crt/start.c copies what it needs into userland's own variables, so a change of
 * the kernel's header touches only these two files.
 */
#ifndef USER_START_ABI_H
#define USER_START_ABI_H

#include <stdint.h>

#define BASTION_START_MAGIC 0x54525453u /* "STRT" */
#define BASTION_START_VERSION 1u

/* One named channel end: Einit's connection (or listener) id and the handle value. */
struct bastion_start_conn {
    uint64_t name;      /* user address of a NUL-terminated name */
    uint32_t handle;
    uint32_t reserved;
};

struct bastion_start_block {
    uint32_t magic;
    uint32_t version;
    uint32_t core_handle;   /* the process's channel to the kernel's core endpoints */
    uint32_t argc;          /* argv[0] is the task name */
    uint64_t argv;          /* char *[argc + 1], NULL-terminated */
    uint32_t envc;
    uint32_t nconn;
    uint64_t envp;          /* char *[envc + 1], "NAME=value", NULL-terminated */
    uint64_t conns;         /* struct bastion_start_conn[nconn] */
    uint64_t tls_image, tls_file_size, tls_mem_size, tls_align; /* PT_TLS, zero when none */
};

/*
 * The SCP ("start-up parameters") blob that Einit passes with Task.SetEnv and the kernel turns
 * into the child's start block: the header, then argc NUL-terminated arguments, envc
 * "NAME=value" strings, and nconn records of a NUL-terminated name followed by the 4-byte
 * little-endian handle value (unaligned). Limits of 0 keep the kernel's defaults.
 */
#define BASTION_SCP_MAGIC 0x31504353u /* "SCP1" */

struct bastion_scp_header {
    uint32_t magic;
    uint32_t argc;
    uint32_t envc;
    uint32_t nconn;
    uint64_t kernel_memory_limit; /* bytes, 0 = default */
    uint64_t ram_limit;           /* bytes, 0 = default */
};

#endif
