/*
 * One DMA area of the driver: a DMA buffer registered with kl.core.IO, mapped into the driver
 * (MapDma) and opened to its device (BeginDma) behind the IOMMU, with the device address of
 * each of its pages. Blocks of one page (order 0): the kernel need find no contiguous run of
 * pages, and nothing the driver places in it (descriptor rings, 2 KiB frame buffers) crosses a
 * page boundary, so a page's device address is all the device needs.
 */
#ifndef NET_E1000_DMA_H
#define NET_E1000_DMA_H

#include <stdint.h>

#include <bastion/retcode.h>

#define DMA_AREA_PAGE 4096u
#define DMA_AREA_PAGES_MAX 64u /* kl.core.IO.DmaFramesMax: described in one reply */

struct dma_area {
    uint32_t buffer; /* IO.RegisterDma's handle */
    uint32_t iomap;  /* IO.BeginDma's handle: closing it takes the buffer from the device */
    uint8_t *cpu;    /* the driver's mapping */
    uint32_t pages;
    uint64_t dev[DMA_AREA_PAGES_MAX]; /* device address of each page */
};

/* Registers, maps and opens size bytes (a page multiple, at most DMA_AREA_PAGES_MAX pages)
 * with the direction flags (<bastion/dma.h>). The kernel's code of the first failing step;
 * rcOutOfRange for a size out of bounds, rcBadFormat when the device addresses do not
 * describe one page per block. */
Retcode dma_area_open(struct dma_area *a, uint64_t size, uint32_t flags);

/* The device address of byte off of the area. */
static inline uint64_t dma_area_dev(const struct dma_area *a, uint64_t off)
{
    return a->dev[off / DMA_AREA_PAGE] + off % DMA_AREA_PAGE;
}

#endif
