/* Bastion userland libc: <sys/types.h> subset: the size and time types the socket headers use. */
#ifndef _SYS_TYPES_H
#define _SYS_TYPES_H

#include <stddef.h>
#include <stdint.h>

typedef long ssize_t;
typedef long time_t;
typedef long suseconds_t;

#endif
