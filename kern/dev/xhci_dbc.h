/*
 * The xHCI USB Debug Capability (DbC, xHCI specification 7.6): a USB 3 port of an xHCI
 * controller turned into a debug device that a second computer reads over a USB 3 debug cable,
 * so that diagnostic output leaves a machine without a serial port. kl.core.XHCIDBG.Start and
 * Stop (klcore/XHCIDBG.c) turn it on and off; while it is on, kl.core.HAL.DebugWrite sends each
 * line through it as well as to the serial console.
 *
 * xhci_dbc_start() finds the xHCI controllers on PCI (class 0Ch, subclass 03h, interface 30h),
 * maps each one's registers (BAR 0) and walks its extended capability list (dev/xhci_cap.h) for
 * the DbC. It answers rcNoHardware when the machine has no xHCI controller and
 * rcNoDebugCapability when none of them has a DbC (QEMU's qemu-xhci has none). Found, it lays
 * out the DbC's event ring, contexts and transfer rings in two kernel pages allocated once,
 * programs the DbC registers and sets DCCTRL.DCE; the port then waits for a debug host, and
 * output is sent only once the host has configured it (DCCTRL.DCR).
 *
 * The hardware path (everything after "found") has not run on real hardware or QEMU, which has
 * no DbC to run it on; the probe and the capability walk are tested (docs/drivers.md).
 *
 * Concurrency: one start, stop or write at a time, by an atomic busy flag that is only ever
 * tried (never waited for): a start or stop that finds it taken answers rcResourceBusy, a write
 * that finds it taken sends nothing through the DbC (the serial console still has the line).
 */
#ifndef BASTION_DEV_XHCI_DBC_H
#define BASTION_DEV_XHCI_DBC_H

#include <stdbool.h>
#include <stddef.h>

#include <bastion/retcode.h>

/* Turns the DbC on (see above). rcOk also when it is on already. */
Retcode xhci_dbc_start(void);

/* Turns it off; rcOk also when it was off. rcNoHardware / rcNoDebugCapability as for start
 * when the machine has nothing to turn off. */
Retcode xhci_dbc_stop(void);

/* True while started. */
bool xhci_dbc_running(void);

/* Sends len bytes (at most 1024 at a time) through a started and configured DbC, waiting at
 * most a few milliseconds for the controller; returns false when nothing was sent. */
bool xhci_dbc_write(const void *data, size_t len);

#endif
