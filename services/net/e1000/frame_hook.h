/*
 * A point in the driver where a test build can end it mid-transfer: called after every frame
 * handed to the stack, with the number handed over so far. The driver's build does nothing
 * there (frame_hook_none.c); the test build e1000_killed (frame_hook_fault.c) faults after a
 * fixed number of frames, so the kernel kills it while the stack is using it (ctest
 * net-killed, docs/networking.md "The driver killed mid-transfer").
 */
#ifndef NET_E1000_FRAME_HOOK_H
#define NET_E1000_FRAME_HOOK_H

#include <stdint.h>

void e1000_frame_hook(uint64_t rx_frames);

#endif
