/*
 * lwIP's compiler and platform description for Bastion's user runtime (the port's arch/cc.h).
 *
 * lwIP is compiled freestanding with the user flags (-nostdinc): gcc's own stddef.h, stdint.h
 * and limits.h, and the userland libc subset for string.h, stdio.h and stdlib.h. There is no
 * inttypes.h, ctype.h or unistd.h in that subset, so the format macros and the character
 * classes are lwIP's own (LWIP_NO_INTTYPES_H, LWIP_NO_CTYPE_H), and ssize_t is lwIP's
 * fallback (no SSIZE_MAX).
 */
#ifndef LWIP_PORT_ARCH_CC_H
#define LWIP_PORT_ARCH_CC_H

#include <stdio.h>
#include <stdlib.h>

#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_CTYPE_H 1

/* printf formats of lwIP's integer types on x86-64 (u32_t is unsigned int, size_t long). */
#define X8_F "02x"
#define U16_F "hu"
#define S16_F "hd"
#define X16_F "hx"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"

/* Diagnostics go to the debug console; a failed lwIP assertion ends the process (it means
 * the stack's own invariants broke, and going on would corrupt connections silently). */
#define LWIP_PLATFORM_DIAG(x) \
    do {                      \
        printf x;             \
    } while (0)
#define LWIP_PLATFORM_ASSERT(x)                                                      \
    do {                                                                             \
        printf("lwip: assertion \"%s\" failed at %s:%d\n", (x), __FILE__, __LINE__); \
        abort();                                                                     \
    } while (0)

/* Random numbers for TCP's initial sequence numbers, DHCP's xid, DNS's ids and ports. */
unsigned int lwip_port_rand(void);
#define LWIP_RAND() ((u32_t)lwip_port_rand())

#endif
