/*
 * Flags of kl.core.IO.RegisterDma, ModifyDma and DmaGetInfo, and the limits of a DMA buffer.
 * Freestanding: shared by the kernel and user mode.
 *
 * Direction says what the device may do with the buffer through the IOMMU: read it
 * (TO_DEVICE), write it (FROM_DEVICE), or both; at least one. The cache setting is the one
 * ModifyDma changes; it is recorded and reported (DmaGetInfo), while the CPU mapping stays
 * write-back, which is coherent on x86 (device accesses snoop the CPU caches).
 */
#ifndef BASTION_DMA_H
#define BASTION_DMA_H

#define BASTION_DMA_TO_DEVICE 0x1u   /* the device reads the buffer */
#define BASTION_DMA_FROM_DEVICE 0x2u /* the device writes the buffer */
#define BASTION_DMA_BIDIRECTIONAL 0x3u
#define BASTION_DMA_DIR_MASK 0x3u

#define BASTION_DMA_CACHE_WB 0x00u /* write-back (default) */
#define BASTION_DMA_CACHE_UC 0x10u /* uncached */
#define BASTION_DMA_CACHE_WC 0x20u /* write-combining */
#define BASTION_DMA_CACHE_MASK 0x30u

/* A buffer is made of blocks of 2^order pages, each physically contiguous. */
#define BASTION_DMA_ORDER_MAX 10u
#define BASTION_DMA_SIZE_MAX (4ull * 1024 * 1024)

#endif
