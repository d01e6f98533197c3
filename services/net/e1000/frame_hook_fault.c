/* The test build e1000_killed (frame_hook.h): after FAULT_AFTER_FRAMES frames handed to the
 * stack, the driver reads address 0 and the kernel kills it ("fault: E1000 ..."), with its
 * device still running and a transfer under way. Never part of an image but the test's. */
#include <stdio.h>

#include "frame_hook.h"

#define FAULT_AFTER_FRAMES 200u

void e1000_frame_hook(uint64_t rx_frames)
{
    if (rx_frames < FAULT_AFTER_FRAMES)
        return;
    printf("e1000: test build: faulting on purpose after %llu frames\n",
           (unsigned long long)rx_frames);
    (void)*(volatile uint32_t *)0;
}
