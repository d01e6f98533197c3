/*
 * The in-OS test framework: checks count as passed or failed, each failure is printed with its
 * line, and ot_end() prints the one line the boot test reads:
 *     "<name>: <N> passed, <M> failed"
 * and returns the exit status (0 only when nothing failed and something passed).
 */
#ifndef OSTEST_H
#define OSTEST_H

#include <stdbool.h>
#include <stdio.h>

#include <bastion/retcode.h>

void ot_begin(const char *name);
const char *ot_name(void);
/* Records one check; returns cond. */
bool ot_check(bool cond, int line, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int ot_end(void);
/* Prints "<name>: attack <method>: stopped" (method: "kl.core.VMM.Allocate"): call it only when
 * every check of that attack passed, the bystander's included. test/boot/dangers.sh counts these
 * lines against docs/dangers.tsv. Returns ok. */
bool ot_attack(const char *method, bool ok);

/* ---- What the attack programs share ---- */

/* kl.core Audit.Open of the kss log (*h: this process's reader) and Audit.Close of it. */
Retcode ot_audit_open_kss(uint32_t *h);
Retcode ot_audit_close(uint32_t h);
/* One kss record (kl.core Audit.Read on the log handle h) as a NUL-terminated line in
 * line[cap]; *dropped adds the records the ring lost to this reader. */
Retcode ot_audit_read(uint32_t h, char *line, size_t cap, uint32_t *dropped);

/* The bystander: the probe server (os_probe_server, another process), reached through the
 * connection "probe" of the caller's init.yaml entry (connected on first use). Records its
 * checks and returns true when it echoed a message back within 10 s. */
bool ot_bystander_served(void);
/* Makes objects with make() into out[0..max) until it fails, and checks that the failure was a
 * quota's (rcQuotaExceeded) before max: the attacks' loops must stop at the attacker's own
 * quota. Prints how many were made and returns that count; *last gets the failure. Prints only
 * after the loop, so it may be used while all of the caller's kernel memory is taken only when
 * the caller frees some before (see ot_exhaust_quiet). */
uint32_t ot_exhaust(const char *what, Retcode (*make)(uint32_t *h), uint32_t *out, uint32_t max,
                    Retcode *last);
/* The same loop without a word: for a process whose kernel memory may be all taken afterwards
 * (even printf's HAL.DebugWrite needs some). Checks nothing. */
uint32_t ot_exhaust_quiet(Retcode (*make)(uint32_t *h), uint32_t *out, uint32_t max, Retcode *last);
/* Profiler.GetCounters: the counters whose names start with prefix, in the kernel's order
 * (kern/klcore/Profiler.c), at most max of them into out; *n how many. */
Retcode ot_counters(const char *prefix, uint64_t *out, uint32_t max, uint32_t *n);
/* Handle.Close on each of h[0..n) (0 and kl_core_Types_InvalidHandleValue skipped). */
void ot_close_handles(const uint32_t *h, uint32_t n);
/* The exit code of a task (a handle of ours) once it has ended normally, waiting at most msec:
 * rcTimeout if it still runs, rcFail if it ended another way (killed, faulted). */
Retcode ot_exit_code(uint32_t task, uint32_t msec, int32_t *code);

/* The CPU this thread runs on as it was a moment ago: CPUID's initial APIC ID, which every
 * x86-64 CPU has. On QEMU's machines it is the kernel's CPU index too (QEMU numbers -smp N's
 * CPUs 0..N-1 and lists them in that order, the order the kernel counts them in). */
uint32_t ot_cpu_now(void);
/* Whether the CPU has RDTSCP (CPUID 0x80000001 EDX bit 27), whose ECX the kernel sets to the
 * CPU's index (IA32_TSC_AUX); QEMU's qemu64 model, for one, has not, and RDTSCP is then #UD. */
bool ot_cpu_has_rdtscp(void);

/* cond must hold. */
#define OT_TRUE(cond) ot_check((cond), __LINE__, #cond, NULL)
/* expr must return the Retcode want. */
#define OT_RC(expr, want)                                                      \
    ({                                                                         \
        Retcode ot_r_ = (expr);                                                \
        ot_check(ot_r_ == (want), __LINE__, #expr, "returned %s, expected %s", \
                 retcode_name(ot_r_), retcode_name(want));                     \
    })
/* expr must fail with a named code (anything but rcOk). */
#define OT_FAILS(expr)                                                            \
    ({                                                                            \
        Retcode ot_r_ = (expr);                                                   \
        ot_check(ot_r_ != rcOk, __LINE__, #expr, "succeeded, expected an error"); \
    })
/* a == b, as unsigned 64-bit numbers. */
#define OT_EQ(a, b)                                                                          \
    ({                                                                                       \
        unsigned long long ot_a_ = (unsigned long long)(a), ot_b_ = (unsigned long long)(b); \
        ot_check(ot_a_ == ot_b_, __LINE__, #a " == " #b, "%llu != %llu", ot_a_, ot_b_);      \
    })

#endif
