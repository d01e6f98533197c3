/*
 * ACPI power control: what the FADT and the DSDT say about turning the machine off and
 * resetting it, and doing it (kl.core.PM.Request).
 *
 * The parsing half is pure (host-tested, test/host/kern/arch/x86_64/test_acpi_power.c) and
 * reads only within the lengths it is given:
 *   - the FADT: PM1a/PM1b control blocks (I/O ports; the 64-bit X_ blocks when present and in
 *     I/O space), the DSDT address (X_DSDT when present), the reset register (FADT flag
 *     RESET_REG_SUP, a generic address in I/O or memory space) and its value;
 *   - the DSDT's \_S5 object: the kernel has no AML interpreter, so it looks for the one
 *     encoding firmware uses for it, NameOp "_S5_" PackageOp PkgLength NumElements followed by
 *     two integers (ZeroOp, OneOp, OnesOp or BytePrefix n): SLP_TYPa and SLP_TYPb. Any other
 *     encoding is rcNotFound, never a guess.
 * Whether processor performance states exist (_PSS, _CPC in the DSDT or an SSDT) is answered by
 * acpi_aml_has_name() the same way (CpuFreq reports it; without an interpreter it cannot run the
 * methods that would change them).
 */
#ifndef BASTION_ARCH_X86_64_ACPI_POWER_H
#define BASTION_ARCH_X86_64_ACPI_POWER_H

#include <bastion/retcode.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_GAS_MEMORY 0
#define ACPI_GAS_IO 1
#define ACPI_SLP_EN (1u << 13)
#define ACPI_SLP_TYP_SHIFT 10

struct acpi_fadt_power {
    uint64_t dsdt_phys;
    uint16_t pm1a_cnt, pm1b_cnt; /* I/O ports of the PM1 control blocks; 0 = none */
    bool reset_supported;        /* FADT flag RESET_REG_SUP and a reset register given */
    uint8_t reset_space;         /* ACPI_GAS_IO or ACPI_GAS_MEMORY */
    uint64_t reset_addr;
    uint8_t reset_value;
};

/* Reads a validated FADT ("FACP") of len bytes. rcTruncated: shorter than the ACPI 1.0 fields it
 * needs (PM1 blocks, 76 bytes). rcBadFormat: no PM1a control block. */
Retcode acpi_fadt_power_parse(const void *fadt, size_t len, struct acpi_fadt_power *out);

/* SLP_TYPa/b of \_S5 in the AML of len bytes (a DSDT's body). rcNotFound: no _S5_ name in the
 * encoding above. rcBadFormat: a _S5_ package with fewer than two integer elements. */
Retcode acpi_find_s5(const void *aml, size_t len, uint8_t *slp_typa, uint8_t *slp_typb);

/* True when the 4-character name (e.g. "_PSS") occurs as a name in the AML. */
bool acpi_aml_has_name(const void *aml, size_t len, const char *name);

#ifndef BASTION_HOST
/* Reads the FADT and the DSDT's \_S5 once (after acpi_init) and prints what power control the
 * machine has. */
void acpi_power_init(void);
/* Powers off through PM1a/PM1b_CNT with \_S5's SLP_TYP; returns only on failure:
 * rcNotSupported (no FADT or no \_S5), rcPowerStateFailed (the write did not stop the machine
 * within a second). */
Retcode acpi_power_off(void);
/* Resets through the FADT reset register, else port 0xCF9 (full reset), else the keyboard
 * controller; returns only if none took the machine down (rcPowerStateFailed). */
Retcode acpi_reboot(void);
/* True when the DSDT or an SSDT names processor performance states (_PSS) or CPPC (_CPC). */
bool acpi_has_pss(void);
bool acpi_has_cpc(void);
#endif

#endif
