/*
 * net_attack: an untrusted program on the network test image (net.yaml) with a channel to the
 * e1000 driver. Its class (ostest.NetAttack) has no right to the driver's interface: Open (the
 * frame buffer, every frame the stack sends and receives), Transmit (frames onto the network in
 * the stack's name), Receive and GetStatus are each refused by the policy
 * (rcSecurityDisallow), and so is reaching the device itself: its registers (IO.RegisterMmio of
 * the e1000's BAR0) and putting it into its own IOMMU domain (IOMMU.Attach). The bystander is
 * served afterwards.
 *
 * Usage: net_attack --device GSI,BDF,BAR0 (the e1000's, as the driver gets them).
 */
#include <stdlib.h>
#include <string.h>

#include <user/core.h>
#include <user/ipc.h>

#include "kl/core/IO.idl.h"
#include "kl/core/IOMMU.idl.h"
#include "net/E1000.edl.h"
#include "net/Nic.idl.h"
#include "ostest.h"

static struct idl_client cl;

static void nic_attacks(void)
{
    idl_handle_t buf = {0};
    uint32_t a = 0, b = 0, c = 0, mtu = 0, rc = rcOk, slot = 0, len = 0;
    uint64_t mac = 0;
    struct net_Nic_Counters k;
    ot_attack("net.Nic.Open",
              OT_RC(net_Nic_Open(&cl, &buf, &a, &b, &c, &mac, &mtu, &rc), rcSecurityDisallow) &&
                  OT_TRUE(buf.handle == 0) && ot_bystander_served());
    ot_attack("net.Nic.Transmit", OT_RC(net_Nic_Transmit(&cl, 0, 60, &rc), rcSecurityDisallow) &&
                                      ot_bystander_served());
    ot_attack("net.Nic.Receive", OT_RC(net_Nic_Receive(&cl, 100, net_Nic_NoSlot, &slot, &len, &rc),
                                       rcSecurityDisallow) &&
                                     ot_bystander_served());
    ot_attack("net.Nic.GetStatus", OT_RC(net_Nic_GetStatus(&cl, &a, &k, &rc), rcSecurityDisallow) &&
                                       ot_bystander_served());
}

static void device_attacks(uint64_t bar0, uint32_t bdf)
{
    CORE_CLIENT(io, kl_core_Core_EP_io_IO, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    idl_handle_t res = {0};
    ot_attack("kl.core.IO.RegisterMmio",
              OT_RC(kl_core_IO_RegisterMmio(&io, bar0, 0x20000, &res, &rc), rcSecurityDisallow) &&
                  ot_bystander_served());
    CORE_CLIENT(mmu, kl_core_Core_EP_iommu_IOMMU, CORE_MSG_SMALL);
    ot_attack("kl.core.IOMMU.Attach",
              OT_RC(kl_core_IOMMU_Attach(&mmu, bdf, &rc), rcSecurityDisallow) &&
                  ot_bystander_served());
}

int main(int argc, char **argv)
{
    ot_begin("net_attack");
    uint64_t bar0 = 0;
    uint32_t bdf = 0;
    for (int i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], "--device") == 0) {
            char *end;
            (void)strtoul(argv[i + 1], &end, 0);
            bdf = (uint32_t)strtoul(end + 1, &end, 0);
            bar0 = strtoul(end + 1, &end, 0);
        }
    }
    OT_TRUE(bar0 != 0 && bdf != 0);
    static struct ipc_channel ch;
    static _Alignas(8) uint8_t req[512], res[512];
    if (OT_RC(ipc_connect(&ch, "nic"), rcOk)) {
        ch.timeout_ms = 10000;
        ipc_client_init(&cl, &ch, net_E1000_EP_nic, req, sizeof req, res, sizeof res);
        nic_attacks();
    }
    device_attacks(bar0, bdf);
    return ot_end();
}
