/*
 * PIT channel 2 as a polled one-shot (see pit.h).
 *
 * Port 0x61 ("NMI status and control"): bit 0 is channel 2's gate, bit 1 routes its output
 * to the speaker (kept off), bit 5 reads its output. Mode 0 ("interrupt on terminal count")
 * holds the output low while counting and raises it at zero, which is what we poll.
 */
#include "arch/x86_64/pit.h"

#include "arch/x86_64/cpu.h"

#define PIT_CH0_DATA 0x40
#define PIT_CH2_DATA 0x42
#define PIT_COMMAND 0x43
#define PIT_CTRL 0x61

#define CTRL_GATE2 0x01
#define CTRL_SPEAKER 0x02
#define CTRL_OUT2 0x20

/* Channel 2 / 0, access lobyte/hibyte, mode 0, binary. */
#define CMD_CH2_MODE0 0xB0
#define CMD_CH0_MODE0 0x30

/* Spin until the one-shot ends. */
static void wait_done(void)
{
    while (!pit_oneshot_done())
        cpu_pause();
}

uint16_t pit_count_for_us(uint32_t us)
{
    if (us == 0 || us > PIT_MAX_US)
        return 0;
    uint64_t count = ((uint64_t)PIT_HZ * us + 500000u) / 1000000u;
    return count == 0 ? 1 : (uint16_t)count;
}

void pit_oneshot_start(uint16_t count)
{
    /* Gate low while loading, so counting starts when we choose, not on the write. */
    uint8_t ctrl = (uint8_t)(inb(PIT_CTRL) & ~(CTRL_GATE2 | CTRL_SPEAKER));
    outb(PIT_CTRL, ctrl);
    outb(PIT_COMMAND, CMD_CH2_MODE0);
    outb(PIT_CH2_DATA, (uint8_t)(count & 0xFF));
    outb(PIT_CH2_DATA, (uint8_t)(count >> 8));
    outb(PIT_CTRL, (uint8_t)(ctrl | CTRL_GATE2));
}

void pit_ch0_oneshot(uint16_t count)
{
    /* Writing the mode drives OUT0 low at once; it rises when the count runs out. */
    outb(PIT_COMMAND, CMD_CH0_MODE0);
    outb(PIT_CH0_DATA, (uint8_t)(count & 0xFF));
    outb(PIT_CH0_DATA, (uint8_t)(count >> 8));
}

bool pit_oneshot_done(void)
{
    return (inb(PIT_CTRL) & CTRL_OUT2) != 0;
}

void pit_wait_us(uint32_t us)
{
    while (us > 0) {
        uint32_t step = us > PIT_MAX_US ? PIT_MAX_US : us;
        pit_oneshot_start(pit_count_for_us(step));
        wait_done();
        us -= step;
    }
}

uint64_t pit_measure_hz(void (*start)(void *ctx), uint64_t (*stop)(void *ctx), void *ctx)
{
    uint16_t count = pit_count_for_us(PIT_CAL_WINDOW_US);
    uint64_t v[PIT_CAL_RUNS];
    for (int i = 0; i < PIT_CAL_RUNS; i++) {
        pit_oneshot_start(count);
        start(ctx);
        wait_done();
        v[i] = stop(ctx) * PIT_HZ / count;
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) { /* insertion sort */
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    }
    return v[PIT_CAL_RUNS / 2];
}
