/*
 * Coverage data (gcda files) written to the serial console in frames a host script extracts
 * (scripts/gcov-extract; docs/coverage.md). Served by kl.core.Profiler.FlushGcovFile for a
 * program's own gcda, and by FlushGcov and GetCoverageData for the kernel's.
 *
 * The frame, one kernel console line each (the kernel's lines start at a line's beginning; a
 * process's output carries its "[<task>] " mark, so no process can forge a frame line):
 *
 *   GCDA-BEGIN <name> <size>
 *   GCDA-DATA <up to 64 bytes as lower-case hex>          (ceil(size / 64) lines, in order)
 *   GCDA-END <name> <size> <crc32 as 8 hex digits>
 *
 * crc32 is the IEEE one (zlib's crc32(), Python's binascii.crc32) of the <size> bytes. One
 * frame at a time: a second writer meanwhile gets rcResourceBusy, so frames never interleave.
 *
 * The coverage kernel (kernel-kcov.elf) is also built with --coverage: FlushGcov frames each of
 * its own records (prof/gcov_kernel.h) and GetCoverageData returns one; the other kernels hold
 * none and answer both with rcCoverageNotBuilt.
 */
#ifndef BASTION_PROF_GCOV_UART_H
#define BASTION_PROF_GCOV_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bastion/retcode.h>

#define GCOV_FILE_MAX (64u * 1024u) /* bytes one FlushGcovFile forwards: ~11 s of serial */
#define GCOV_LINE_BYTES 64u

/* True when `name` may appear in a frame: 6..255 characters of [A-Za-z0-9._+/-], ending in
 * ".gcda", not starting with '/', no ".." (it becomes a path under the extractor's output
 * folder). */
bool gcov_name_ok(const char *name);

/* Writes one frame of `size` bytes read from the caller's memory at `ubuf` (copy_from_user,
 * in pieces: nothing is allocated). rcInvalidArgument for a bad name, rcGcovTooLarge beyond
 * GCOV_FILE_MAX, rcResourceBusy while another frame is written, or copy_from_user's code for an
 * unreadable buffer: no frame when its first 64 bytes are unreadable, else the frame ends
 * with "GCDA-ABORT <name>" instead of GCDA-END. */
Retcode gcov_flush_user(const char *name, uint64_t ubuf, uint64_t size);

/* FlushGcov: every record of the kernel's own (prof/gcov_kernel.h), one frame each, all under
 * one claim of the console. rcCoverageNotBuilt when the kernel holds none, rcResourceBusy while
 * another frame is written. */
Retcode gcov_flush_kernel(void);

/* GetCoverageData: record `index`'s gcda bytes into buf (at most cap of them), *size all of its
 * bytes, *name its name. rcCoverageNotBuilt when the kernel holds no records, rcNotFound for an
 * index at or beyond their number, rcBufferTooSmall when the record is larger than cap (buf
 * then holds its first cap bytes). */
Retcode gcov_kernel_chunk(uint32_t index, uint8_t *buf, size_t cap, size_t *size,
                          const char **name);

/* The IEEE CRC-32 of buf, continued from crc (0 to start). */
uint32_t gcov_crc32(uint32_t crc, const uint8_t *buf, size_t n);

#endif
