/*
 * The kernel console: where kprintf goes. Today that is the serial port only.
 *
 * Every kprintf call is written whole under one spinlock (interrupts off while held), so lines
 * from different CPUs never interleave. After console_panic_mode() the lock is bypassed: the
 * panicking CPU may have been interrupted while holding it, and the report matters more than
 * tidy output.
 *
 * Process output (HAL.DebugWrite, which user printf uses) shares the console with the kernel, so
 * it is marked: every line a process writes starts with "[<task name>] " (console_write_user).
 * The kernel never begins a line with CONSOLE_USER_MARK, and a process's bytes never begin a
 * line without its marker: a process's line is ended ("\n") before anyone else writes, a
 * newline in its data starts a new marked line, and control bytes (carriage return, escape)
 * are replaced. So a console line that does not start with '[' is the kernel's, and no
 * process can print one (a forged "kss: denied ..." shows up as "[Forger] kss: denied ...").
 */
#ifndef BASTION_CONSOLE_CONSOLE_H
#define BASTION_CONSOLE_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

/* The first byte of every line of process output; never the first byte of a kernel line. */
#define CONSOLE_USER_MARK '['
/* Bytes of a task name shown in the marker. */
#define CONSOLE_TAG_MAX 63

/* Brings up the serial port. First thing kmain does. */
void console_init(void);

/* Writes the kernel's bytes under the console lock (ending a process's open line first). */
void console_write(const char *s, size_t n);

/* Writes a process's bytes: each line marked "[tag] ", control bytes replaced by '?'. owner
 * identifies the writer (a pid), so that a line it left open is continued only by it. */
void console_write_user(uint32_t owner, const char *tag, const char *s, size_t n);

/* From now on, write without taking the lock (used by panic and the exception report). */
void console_panic_mode(void);

#endif
