/*
 * Little-endian field readers for data the kernel parses from bytes it does not trust to be
 * aligned: ACPI tables (packed), multiboot2 tags, ELF headers inside a ROMFS file, IPC message
 * headers in a caller's buffer. Assembling a value from single bytes is alignment-safe and
 * independent of the host's byte order, so the same parsers run unchanged in host tests.
 *
 * The caller has checked that the bytes are there: these functions read p[0] .. p[size-1].
 * Header-only and dependency-free (only <stdint.h>): included by kernel and host-test builds.
 */
#ifndef BASTION_LIB_BYTES_H
#define BASTION_LIB_BYTES_H

#include <stdint.h>

static inline uint16_t get_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline uint64_t get_le64(const uint8_t *p)
{
    return (uint64_t)get_le32(p) | ((uint64_t)get_le32(p + 4) << 32);
}

#endif
