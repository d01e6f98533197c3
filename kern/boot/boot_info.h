/*
 * The kernel's view of the loader handoff: checks the multiboot2 magic, parses the boot
 * information (boot/multiboot2.h) into a static struct boot_info, records its physical
 * address for the pmm to reserve, and loads the kernel parameters (boot/params.h).
 *
 * Kernel only (uses the boot mapping of physical 0..1 GiB). Call once, before pmm_init().
 */
#ifndef BASTION_BOOT_BOOT_INFO_H
#define BASTION_BOOT_BOOT_INFO_H

#include <stdint.h>

#include "boot/multiboot2.h"

/* Panics with the reason (wrong magic, malformed tag and its offset) when the handoff is bad.
 * Prints the loader, command line, memory map and modules. Returns the parsed information,
 * valid for the kernel's lifetime. */
const struct boot_info *boot_info_init(uint32_t magic, uint64_t info_phys);

/* The information boot_info_init() parsed (NULL before). */
const struct boot_info *boot_info_get(void);

#endif
