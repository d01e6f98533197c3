/*
 * The security hook's decisions counted per class of the asking process, published as the
 * kernel file BASTION_SECURITY_TABLE_PATH (<bastion/security_table.h>).
 *
 * A fixed table of BASTION_SECURITY_TABLE_MAX slots in static memory, filled in the order
 * classes are first seen and never emptied (a class's counts stay after its processes end).
 * Lock-free: counting runs on every decision, on every CPU, and must neither sleep nor take a
 * lock the hook's callers may already hold.
 */
#ifndef BASTION_SECURITY_CLASS_COUNTS_H
#define BASTION_SECURITY_CLASS_COUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Counts one decision for `class_name` (NULL: the kernel's own event, counted in the totals
 * only). A class that finds the table full is counted in the totals only. `slot_cache` (may be
 * NULL) is the asker's memory of its class's slot, 0 before the first look-up: a process's class
 * never changes, so each of its decisions after the first costs no name comparison. */
void class_counts_add(const char *class_name, uint32_t *slot_cache, bool denied);

/* Writes the file (header and records) into buf; returns its size, 0 when cap is too small
 * for the header. Records that do not fit in cap are left out (count says how many are in).
 * The header's totals are the caller's: the security hook's (security_decided, hook.h), which
 * counts every decision once and hands the same decisions here, so that this file needs
 * nothing of the hook that calls it; the Profiler counters ksm.decisions and ksm.denials read
 * the same totals, so a reader can bracket the file between two counter reads. */
size_t class_counts_fill(void *buf, size_t cap, uint64_t decisions, uint64_t denials);

/* The file's largest size: cap enough for every record. */
size_t class_counts_file_max(void);

#endif
