/*
 * The kernel's own gcov records: a freestanding gcov runtime for a kernel built with
 * --coverage (-fprofile-arcs -ftest-coverage; the coverage kernel, BASTION_GCOV), and the
 * gcda bytes of each record, served by kl.core.Profiler.GetCoverageData and FlushGcov.
 *
 * gcc gives every instrumented object file a constructor that calls __gcov_init(&info) with
 * its struct gcov_info (gcc 12's layout, below in gcov_kernel.c), and counters it increments
 * (atomically: -fprofile-update=atomic) on every arc. gcov_kernel_init() runs those
 * constructors (boot/linker.ld gathers them between __gcov_ctors_start and __gcov_ctors_end)
 * once, early in kmain on the boot CPU, before any other CPU runs: the list they build is
 * fixed from then on and read without a lock. A record's gcda bytes are written from its live
 * counters, which other CPUs may be raising meanwhile: each value is one atomic load, the file
 * is a moment's picture, not one instant's.
 *
 * The gcda format (gcc 12, as Linux's kernel/gcov/gcc_4_7.c writes it): 32-bit little-endian
 * words; magic "gcda", version, stamp, checksum; per function a FUNCTION tag, its length
 * (3 words, in bytes since gcc 12), ident, lineno checksum, cfg checksum; then per counter kind
 * the object uses (its merge function is set) a COUNTER tag, the length in bytes and each
 * 64-bit value as two words, low first.
 *
 * In the other kernels gcov_kernel_records() is 0 and nothing else here is built.
 */
#ifndef BASTION_PROF_GCOV_KERNEL_H
#define BASTION_PROF_GCOV_KERNEL_H

#include <stddef.h>
#include <stdint.h>

/* Runs the gcov constructors (the coverage kernel; a no-op in the others). */
void gcov_kernel_init(void);

/* The number of records (object files with coverage). */
uint32_t gcov_kernel_records(void);

/* Record `index`'s gcda file name: the compiler's path of the .gcda, without its leading '/'
 * (so that it is a relative name, gcov_uart.h). NULL for an index beyond the records. */
const char *gcov_kernel_name(uint32_t index);

/* Writes record `index`'s gcda bytes through put(ctx, word) (each word little-endian) and
 * returns how many bytes that was; 0 for an index beyond the records. */
size_t gcov_kernel_write(uint32_t index, void (*put)(void *ctx, uint32_t word), void *ctx);

#endif
