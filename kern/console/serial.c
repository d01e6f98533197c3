/* 16550 UART on COM1, polled (no interrupts: output only, and it must work inside panics). */
#include "console/serial.h"

#include <stdint.h>

#include "arch/x86_64/cpu.h"

#define COM1 0x3F8
#define REG_DATA 0 /* DLAB=0: transmit/receive; DLAB=1: divisor low */
#define REG_IER 1  /* DLAB=0: interrupt enable; DLAB=1: divisor high */
#define REG_FCR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define LSR_THRE 0x20 /* transmit holding register empty */
#define LCR_DLAB 0x80
#define LCR_8N1 0x03
#define MCR_DTR_RTS_OUT2 0x0B
#define MCR_LOOPBACK 0x10

static bool serial_present;

bool serial_init(void)
{
    outb(COM1 + REG_IER, 0x00); /* no UART interrupts */
    outb(COM1 + REG_LCR, LCR_DLAB);
    outb(COM1 + REG_DATA, 1); /* divisor 1: 115200 baud */
    outb(COM1 + REG_IER, 0);
    outb(COM1 + REG_LCR, LCR_8N1);
    outb(COM1 + REG_FCR, 0xC7); /* FIFO on, cleared, 14-byte threshold */
    /* Loopback test: a byte written must come back, or there is no UART here. */
    outb(COM1 + REG_MCR, MCR_LOOPBACK | 0x0E);
    outb(COM1 + REG_DATA, 0xAE);
    serial_present = inb(COM1 + REG_DATA) == 0xAE;
    outb(COM1 + REG_MCR, MCR_DTR_RTS_OUT2);
    return serial_present;
}

static void serial_putc(char c)
{
    /* Bounded wait: a wedged UART must not hang a panic report forever. */
    for (unsigned spin = 0; spin < 1000000; spin++)
        if (inb(COM1 + REG_LSR) & LSR_THRE)
            break;
    outb(COM1 + REG_DATA, (uint8_t)c);
}

void serial_write(const char *s, size_t n)
{
    if (!serial_present)
        return;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            serial_putc('\r');
        serial_putc(s[i]);
    }
}
