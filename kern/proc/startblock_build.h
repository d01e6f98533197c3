/*
 * The start-up context (SCP) a parent gives a child with Task.SetEnv, and the start block the
 * kernel builds from it in the child's memory (formats in <bastion/startblock.h>).
 *
 * Pure (host tested): scp_check() validates a blob completely, so that a malformed SCP is refused
 * at SetEnv; startblock_build() lays the start block, its pointer arrays and strings out in a
 * kernel buffer whose user address will be `uaddr`, so that the loader can copy it into the
 * child as one block.
 */
#ifndef BASTION_PROC_STARTBLOCK_BUILD_H
#define BASTION_PROC_STARTBLOCK_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include <bastion/retcode.h>
#include <bastion/startblock.h>

/* A checked SCP: the header and where each section starts in the blob. */
struct scp_view {
    const uint8_t *blob;
    size_t len;
    struct bastion_scp_header hdr;
    size_t args_off, env_off, conns_off; /* byte offsets of the three sections */
};

/*
 * Checks blob[0..len): header magic, counts within BASTION_START_MAX_*, every string
 * NUL-terminated inside the blob, every env string containing '=', connection names of 1 to
 * BASTION_START_CONN_NAME_MAX bytes each followed by 4 handle bytes, no trailing bytes.
 * Errors: rcInvalidArgument (NULL with len > 0), rcTruncated (ends early or len above
 * BASTION_SCP_MAX is rcOutOfRange), rcBadFormat, rcOutOfRange.
 */
Retcode scp_check(const void *blob, size_t len, struct scp_view *out);

/* What the start block needs besides the SCP. */
struct startblock_info {
    const char *name; /* argv[0] when the SCP has argc == 0 */
    uint32_t core_handle;
    uint32_t pid;
    uint32_t ksm_receiver; /* 1 for the KSM (it answers SYS_KSM_WAIT's questions), else 0 */
    uint64_t tls_image, tls_file_size, tls_mem_size, tls_align;
    uint64_t stack_base, stack_size, image_base;
    uint64_t boot_tsc;
    uint64_t tsc_hz;
    uint32_t cpu_count;
};

/*
 * Writes the start block (first, 8-byte aligned), then argv[], envp[], the connection array and
 * the strings into buf[0..cap), with every pointer set as if buf were at user address `uaddr`
 * (8-byte aligned). `scp` may be NULL (no SCP given: argv = {name}, no env, no connections).
 * *used = bytes written, a multiple of 16. Errors: rcInvalidArgument, rcBufferTooSmall.
 */
Retcode startblock_build(const struct scp_view *scp, const struct startblock_info *info,
                         uint64_t uaddr, void *buf, size_t cap, size_t *used);

/*
 * The *used startblock_build gives for this SCP (a checked one, or NULL) and name, at any
 * uaddr, without laying anything out: the caller places the block by its size, then builds it
 * once at its address. Equal to *used whenever the build succeeds (host tested).
 */
size_t startblock_size(const struct scp_view *scp, const char *name);

/* Upper bound of startblock_build's *used for any SCP: the buffer size the loader reserves. */
#define STARTBLOCK_BUILD_MAX                                           \
    (sizeof(struct bastion_start_block) +                              \
     8u * (BASTION_START_MAX_ARGS + 1u + BASTION_START_MAX_ENV + 1u) + \
     sizeof(struct bastion_start_conn) * BASTION_START_MAX_CONNS + BASTION_SCP_MAX + 256u + 16u)

#endif
