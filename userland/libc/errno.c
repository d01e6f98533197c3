/* The C library's errno (<errno.h>): one variable of the process, set by the calls that fail
 * with -1 (the socket library, userland/net). */
#include <errno.h>

int errno;
