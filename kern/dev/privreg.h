/*
 * The privileged registers a process may name in kl.core.HAL.GetPrivReg/SetPrivReg and
 * GetPrivRegRange/SetPrivRegRange: an allow-list of x86 model-specific registers (MSRs), each
 * readable or also writable, single registers and ranges.
 *
 * Pure data and lookup (no kernel dependency), so the host test checks the same code. Reading
 * or writing the MSR itself is HAL.c's, through the fault-safe accessors of msr_safe.h.
 *
 * Invariant of the kernel's list: nothing on it is writable. A writable register is shared by
 * every process that runs on that CPU, so it would be a data channel between processes that
 * policy could not see, or a lever on the kernel (EFER, LSTAR, PAT, MTRRs). The `access` field
 * and the write path stay so that a port whose registers are per process can list one.
 */
#ifndef BASTION_DEV_PRIVREG_H
#define BASTION_DEV_PRIVREG_H

#include <stddef.h>
#include <stdint.h>

#include <bastion/retcode.h>

#define PRIVREG_READ 1u
#define PRIVREG_WRITE 2u

/* How the CPU bounds a range (the list's count is the architectural maximum). */
enum privreg_bound {
    PRIVREG_BOUND_FIXED = 0,  /* count registers, always */
    PRIVREG_BOUND_MTRR_VAR,   /* 2 * IA32_MTRRCAP.VCNT (a PHYSBASE and a PHYSMASK each) */
    PRIVREG_BOUND_MTRR_FIXED, /* count when IA32_MTRRCAP.FIX, else none */
};

struct privreg {
    const char *name;
    uint32_t msr;         /* a single register's MSR; a range's first MSR (stride 1) */
    const uint32_t *msrs; /* a range of scattered MSRs, in offset order; NULL: msr + offset */
    uint32_t count;       /* a range's registers at most; 0 for a single register */
    uint8_t access;       /* PRIVREG_READ, | PRIVREG_WRITE */
    uint8_t bound;        /* enum privreg_bound, ranges only */
};

/* The kernel's list (privreg.c) and its length. */
extern const struct privreg privreg_list[];
extern const size_t privreg_list_len;

/*
 * The entry called name in list: a single register when range is 0, a range when 1 (a range's
 * name does not answer GetPrivReg and a register's does not answer GetPrivRegRange).
 * rcUnknownRegister when there is none, rcInvalidArgument for a NULL name.
 */
Retcode privreg_find(const struct privreg *list, size_t n, const char *name, int range,
                     const struct privreg **out);

/* rcOk when the entry allows the access (PRIVREG_READ or PRIVREG_WRITE), else
 * rcReadOnlyRegister for a write, rcAccessDenied for a read of a write-only one. */
Retcode privreg_allows(const struct privreg *r, uint32_t access);

/* The MSR at offset of range r, whose CPU-reported length is `present` registers (at most
 * r->count is ever used). rcOutOfRange past the end. */
Retcode privreg_range_msr(const struct privreg *r, uint32_t offset, uint32_t present,
                          uint32_t *msr);

#endif
