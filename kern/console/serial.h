/*
 * 16550 UART driver (COM1, 115200 8N1), polled. The kernel's only console: QEMU's -serial
 * and real machines' serial ports both speak it.
 */
#ifndef BASTION_CONSOLE_SERIAL_H
#define BASTION_CONSOLE_SERIAL_H

#include <stdbool.h>
#include <stddef.h>

/* Programs COM1. Returns false when no UART answers the loopback test; output then goes
 * nowhere, silently (there is nowhere to report it). */
bool serial_init(void);

/* Writes bytes, turning "\n" into "\r\n". Not locked: callers serialise (console.c). */
void serial_write(const char *s, size_t n);

#endif
