/*
 * Kernel parameters from the boot command line: "key=value key2=\"a b\" flag".
 *
 * Pure code (host tested). Words are separated by spaces or tabs; a value may be wrapped in
 * double quotes to hold spaces. A word without '=' is a flag whose value is "". When a key
 * repeats, the last occurrence wins (so a GRUB entry can override a default by appending).
 * The parsed set keeps its own copy of the text, so the source buffer may go away.
 */
#ifndef BASTION_BOOT_PARAMS_H
#define BASTION_BOOT_PARAMS_H

#include <bastion/retcode.h>
#include <stddef.h>

#define KPARAMS_MAX 32
#define KPARAMS_TEXT_MAX 512

struct kparams {
    char text[KPARAMS_TEXT_MAX]; /* keys and values, each NUL-terminated */
    const char *key[KPARAMS_MAX];
    const char *value[KPARAMS_MAX];
    size_t count;
};

/*
 * Parse `cmdline` (NULL means empty) into *p.
 * rcBufferTooSmall: more than KPARAMS_MAX words or text longer than KPARAMS_TEXT_MAX.
 * rcBadFormat: an unterminated quote, or an empty key ("=value").
 */
Retcode kparams_parse(struct kparams *p, const char *cmdline);

/* Value of `key` in *p ("" for a flag), or NULL when absent. */
const char *kparams_lookup(const struct kparams *p, const char *key);

/* The kernel-wide parameter set, filled once at boot by kparam_init(). */
Retcode kparam_init(const char *cmdline);
const char *kparam_get(const char *key);
/* Number of parameters and the i-th (key, value) pair, for HAL.GetEnv-style enumeration. */
size_t kparam_count(void);
Retcode kparam_at(size_t i, const char **key, const char **value);

#endif
