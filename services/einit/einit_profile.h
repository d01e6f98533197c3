/*
 * Einit's sampling of the processes it starts, in the profiling image only (docs/profiler.md,
 * "Profiling a process with scripts/profile"): Einit created every process, so it is the one
 * process that may list each of them (SamplingAddPidToList takes only the caller's children).
 *
 * The profiling Einit (bastion_einit PROFILE: einit_profile.c) registers each program's code
 * with LoadSegInfo, lists it, samples them all and prints every record on the console as one
 * framed line; every other Einit links einit_profile_off.c, whose functions do nothing and ask
 * the kernel nothing, so the demo's policy grants Einit no Sampling method at all.
 *
 * The lines (version 1; scripts/prof-symbolize reads them, only with the kernel's "[Einit] " mark
 * in front, so that no other process can forge one):
 *   @prof1-task <pid> <task name> <ROMFS path>      one per listed process, before its records
 *   @prof1 <96 hex digits>                          one struct bastion_prof_record, its 48
 *                                                   bytes in memory order (little-endian)
 *   @prof1-lost <Retcode>                           a SamplingRead failed: its records are lost
 */
#ifndef EINIT_PROFILE_H
#define EINIT_PROFILE_H

#include <stdint.h>

/* After the process was created (not yet started): register its code span (from the symbol
 * table of `path`) at load offset `bias`, print its task line and list it. Failures are
 * printed and leave it out of the profile; the process starts anyway. */
void einit_profile_add(const char *task_name, const char *path, uint32_t task, uint64_t bias);
/* Before the processes are resumed: sampling on, every CPU. */
void einit_profile_start(void);
/* From the watch loop: prints the records the container holds now (does not wait). */
void einit_profile_drain(void);
/* How long the watch loop may wait between two drains: 0 when nothing is sampled (the
 * container cannot fill), else a bound that keeps it from overflowing. */
uint32_t einit_profile_drain_ms(void);

#endif
