/*
 * The kernel console: where kprintf goes. Today that is the serial port only.
 *
 * Every kprintf call is written whole under one spinlock (interrupts off while held), so lines
 * from different CPUs never interleave. After console_panic_mode() the lock is bypassed: the
 * panicking CPU may have been interrupted while holding it, and the report matters more than
 * tidy output.
 */
#ifndef BASTION_CONSOLE_CONSOLE_H
#define BASTION_CONSOLE_CONSOLE_H

#include <stddef.h>

/* Brings up the serial port. First thing kmain does. */
void console_init(void);

/* Writes raw bytes under the console lock. */
void console_write(const char *s, size_t n);

/* From now on, write without taking the lock (used by panic and the exception report). */
void console_panic_mode(void);

#endif
