/* ACPI power control: the FADT's power fields, \_S5 in the DSDT, power-off and reset (contract in
 * acpi_power.h). */
#include "arch/x86_64/acpi_power.h"

#include "lib/bytes.h"

#define FADT_DSDT 40
#define FADT_PM1A_CNT 64
#define FADT_PM1B_CNT 68
#define FADT_V1_END 76
#define FADT_FLAGS 112
#define FADT_FLAG_RESET_REG_SUP (1u << 10)
#define FADT_RESET_REG 116 /* a 12-byte generic address: space, width, offset, size, address */
#define FADT_RESET_VALUE 128
#define FADT_X_DSDT 140
#define FADT_X_PM1A_CNT 172
#define FADT_X_PM1B_CNT 184
#define GAS_LEN 12

#define AML_ZERO 0x00
#define AML_ONE 0x01
#define AML_ONES 0xFF
#define AML_BYTE_PREFIX 0x0A
#define AML_PACKAGE 0x12

/* A 64-bit PM1 block in I/O space below 64 KiB, or 0. */
static uint16_t x_block(const uint8_t *p, size_t len, size_t off)
{
    if (len < off + GAS_LEN || p[off] != ACPI_GAS_IO)
        return 0;
    uint64_t a = get_le64(p + off + 4);
    return a > 0 && a <= 0xFFFF ? (uint16_t)a : 0;
}

Retcode acpi_fadt_power_parse(const void *fadt, size_t len, struct acpi_fadt_power *out)
{
    const uint8_t *p = fadt;
    *out = (struct acpi_fadt_power){0};
    if (len < FADT_V1_END)
        return rcTruncated;
    uint32_t a = get_le32(p + FADT_PM1A_CNT), b = get_le32(p + FADT_PM1B_CNT);
    out->pm1a_cnt = a <= 0xFFFF ? (uint16_t)a : 0;
    out->pm1b_cnt = b <= 0xFFFF ? (uint16_t)b : 0;
    if (out->pm1a_cnt == 0)
        out->pm1a_cnt = x_block(p, len, FADT_X_PM1A_CNT);
    if (out->pm1b_cnt == 0)
        out->pm1b_cnt = x_block(p, len, FADT_X_PM1B_CNT);
    out->dsdt_phys = get_le32(p + FADT_DSDT);
    if (len >= FADT_X_DSDT + 8 && get_le64(p + FADT_X_DSDT) != 0)
        out->dsdt_phys = get_le64(p + FADT_X_DSDT);
    if (len > FADT_RESET_VALUE && (get_le32(p + FADT_FLAGS) & FADT_FLAG_RESET_REG_SUP) != 0) {
        out->reset_space = p[FADT_RESET_REG];
        out->reset_addr = get_le64(p + FADT_RESET_REG + 4);
        out->reset_value = p[FADT_RESET_VALUE];
        out->reset_supported = out->reset_addr != 0 && (out->reset_space == ACPI_GAS_IO ||
                                                        out->reset_space == ACPI_GAS_MEMORY);
    }
    return out->pm1a_cnt != 0 ? rcOk : rcBadFormat;
}

/* An integer element at p[*i]: advances *i. */
static bool aml_integer(const uint8_t *p, size_t len, size_t *i, uint8_t *v)
{
    if (*i >= len)
        return false;
    switch (p[*i]) {
    case AML_ZERO:
        *v = 0;
        *i += 1;
        return true;
    case AML_ONE:
        *v = 1;
        *i += 1;
        return true;
    case AML_ONES:
        *v = 0xFF;
        *i += 1;
        return true;
    case AML_BYTE_PREFIX:
        if (*i + 1 >= len)
            return false;
        *v = p[*i + 1];
        *i += 2;
        return true;
    default:
        return false;
    }
}

static bool name_at(const uint8_t *p, size_t len, size_t i, const char *name)
{
    return i + 4 <= len && p[i] == (uint8_t)name[0] && p[i + 1] == (uint8_t)name[1] &&
           p[i + 2] == (uint8_t)name[2] && p[i + 3] == (uint8_t)name[3];
}

bool acpi_aml_has_name(const void *aml, size_t len, const char *name)
{
    const uint8_t *p = aml;
    for (size_t i = 0; i + 4 <= len; i++)
        if (name_at(p, len, i, name))
            return true;
    return false;
}

Retcode acpi_find_s5(const void *aml, size_t len, uint8_t *slp_typa, uint8_t *slp_typb)
{
    const uint8_t *p = aml;
    Retcode rc = rcNotFound;
    for (size_t i = 0; i + 4 < len; i++) {
        if (!name_at(p, len, i, "_S5_"))
            continue;
        size_t k = i + 4;
        if (p[k] != AML_PACKAGE)
            continue; /* a reference to _S5_, not its definition */
        k++;
        if (k >= len)
            break;
        k += 1u + (p[k] >> 6); /* PkgLength: the lead byte's top bits count the bytes after it */
        if (k >= len)
            break;
        uint8_t n = p[k++];
        uint8_t a, b;
        if (n < 2 || !aml_integer(p, len, &k, &a) || !aml_integer(p, len, &k, &b)) {
            rc = rcBadFormat;
            continue;
        }
        *slp_typa = a;
        *slp_typb = b;
        return rcOk;
    }
    return rc;
}

#ifndef BASTION_HOST
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tsc.h"
#include "lib/kprintf.h"

#define SDT_HEADER 36
#define PORT_RESET_CONTROL 0xCF9
#define RESET_CONTROL_FULL 0x06 /* full reset, reset CPU */
#define PORT_KBC_COMMAND 0x64
#define KBC_PULSE_RESET 0xFE

static struct acpi_fadt_power fadt;
static bool have_fadt, have_s5, have_pss, have_cpc;
static uint8_t s5a, s5b;

/* A table at phys the root does not list (the DSDT), checked like the others. */
static const uint8_t *map_table(uint64_t phys, const char *sig, size_t *len)
{
    const uint8_t *h = acpi_map(phys, SDT_HEADER);
    if (h == NULL)
        return NULL;
    uint32_t n = get_le32(h + 4);
    if (n < SDT_HEADER || n > ACPI_MAX_TABLE_LEN)
        return NULL;
    const uint8_t *t = acpi_map(phys, n);
    if (t == NULL || acpi_sdt_check(t, n, sig) != rcOk)
        return NULL;
    *len = n;
    return t;
}

/* Looks for the names in one AML table's body. */
static void scan_aml(const uint8_t *t, size_t len)
{
    have_pss |= acpi_aml_has_name(t + SDT_HEADER, len - SDT_HEADER, "_PSS");
    have_cpc |= acpi_aml_has_name(t + SDT_HEADER, len - SDT_HEADER, "_CPC");
}

void acpi_power_init(void)
{
    size_t len = 0;
    const void *f = acpi_table("FACP", &len);
    Retcode rc = f != NULL ? acpi_fadt_power_parse(f, len, &fadt) : rcNotFound;
    have_fadt = rc == rcOk;
    if (!have_fadt) {
        kprintf("acpi: no usable FADT (%s): no ACPI power-off\n", retcode_name(rc));
        return;
    }
    const uint8_t *dsdt = fadt.dsdt_phys ? map_table(fadt.dsdt_phys, "DSDT", &len) : NULL;
    if (dsdt != NULL) {
        rc = acpi_find_s5(dsdt + SDT_HEADER, len - SDT_HEADER, &s5a, &s5b);
        have_s5 = rc == rcOk;
        scan_aml(dsdt, len);
    } else {
        rc = rcNotFound;
    }
    const struct acpi_info *info = acpi_get();
    for (unsigned i = 0; info != NULL && i < info->ntables; i++) {
        const struct acpi_table_ref *t = &info->tables[i];
        if (t->status != rcOk || t->sig[0] != 'S' || t->sig[1] != 'S' || t->sig[2] != 'D' ||
            t->sig[3] != 'T')
            continue;
        const uint8_t *ssdt = map_table(t->phys, "SSDT", &len);
        if (ssdt != NULL)
            scan_aml(ssdt, len);
    }
    if (have_s5)
        kprintf("acpi: power off: PM1a_CNT 0x%x PM1b_CNT 0x%x, \\_S5 SLP_TYP %u/%u\n",
                fadt.pm1a_cnt, fadt.pm1b_cnt, s5a, s5b);
    else
        kprintf("acpi: no \\_S5 in the DSDT (%s): no ACPI power-off\n", retcode_name(rc));
    if (fadt.reset_supported)
        kprintf("acpi: reset register: %s 0x%lx value 0x%x\n",
                fadt.reset_space == ACPI_GAS_IO ? "port" : "memory", (unsigned long)fadt.reset_addr,
                fadt.reset_value);
    else
        kprintf("acpi: no FADT reset register: reset through port 0xCF9\n");
}

bool acpi_has_pss(void)
{
    return have_pss;
}

bool acpi_has_cpc(void)
{
    return have_cpc;
}

/* Waits up to a second for the machine to go down. */
static void settle(void)
{
    tsc_delay_us(1000000);
}

Retcode acpi_power_off(void)
{
    if (!have_fadt || !have_s5)
        return rcNotSupported;
    uint64_t f = cpu_irq_save();
    outw(fadt.pm1a_cnt, (uint16_t)((s5a & 7u) << ACPI_SLP_TYP_SHIFT | ACPI_SLP_EN));
    if (fadt.pm1b_cnt)
        outw(fadt.pm1b_cnt, (uint16_t)((s5b & 7u) << ACPI_SLP_TYP_SHIFT | ACPI_SLP_EN));
    settle();
    cpu_irq_restore(f);
    return rcPowerStateFailed;
}

Retcode acpi_reboot(void)
{
    uint64_t f = cpu_irq_save();
    /* A reset register in memory space is not used (it would need an MMIO mapping at this
     * point): such machines go through 0xCF9 below, as do those without the register. */
    if (have_fadt && fadt.reset_supported && fadt.reset_space == ACPI_GAS_IO &&
        fadt.reset_addr <= 0xFFFF) {
        outb((uint16_t)fadt.reset_addr, fadt.reset_value);
        settle();
    }
    outb(PORT_RESET_CONTROL, RESET_CONTROL_FULL);
    settle();
    outb(PORT_KBC_COMMAND, KBC_PULSE_RESET);
    settle();
    cpu_irq_restore(f);
    return rcPowerStateFailed;
}
#endif
