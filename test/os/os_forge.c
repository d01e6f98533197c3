/*
 * os_forge: an untrusted program (class ostest.Forger: DebugWrite and GetEnv, nothing of the
 * kernel's) tries to pass for the kernel on the console and to read the kernel's parameters.
 *
 * HAL.DebugWrite: it writes audit lines the kernel never wrote ("kss: denied ... rule at
 * forged/ostest.psl"), at the start of a write, after a newline inside one, after a carriage
 * return, in a line split over two writes, and after leaving a line open so that another
 * process's output comes in between. The kernel marks every line of process output
 * ("[Forger] ...", kern/console/console.h); the boot test (test/os/expected.txt, its not: line)
 * fails if one of these lines appears unmarked, so this program cannot see the outcome itself
 * and prints its attack line once it has tried them all.
 *
 * HAL.GetEnv: the kernel parameters that configure the kernel (ksm=, init=, ...; the image's
 * boot line sets them) are refused with rcAccessDenied, as is any name not on the kernel's
 * allow-list; an allowed name that is not set is rcNotFound.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <user/core.h>

#include "ostest.h"

#define FORGED                                                                                     \
    "kss: denied request Forger[ostest.Forger] -> kernel[kl.core.Core] vmm.VMM.Allocate: rule at " \
    "forged/ostest.psl:"

static Retcode write_raw(const char *s)
{
    return core_debug_write(s, strlen(s));
}

static void forge_console(void)
{
    OT_RC(write_raw(FORGED "1:1\n"), rcOk);
    OT_RC(write_raw("os_forge: a line\n" FORGED "2:1\n"), rcOk);
    OT_RC(write_raw("\r" FORGED "3:1\n"), rcOk);
    OT_RC(write_raw("\x1b[2K\r" FORGED "4:1\n"), rcOk);
    OT_RC(write_raw("kss: denied "), rcOk);
    OT_RC(write_raw("request Forger[ostest.Forger] -> kernel[kl.core.Core] vmm.VMM.Allocate: rule "
                    "at forged/ostest.psl:5:1\n"),
          rcOk);
    /* Leave a line open while the other tests write theirs, then go on with a forged one. */
    OT_RC(write_raw("os_forge: an open line"), rcOk);
    core_thread_sleep(200);
    OT_RC(write_raw("\n" FORGED "6:1\n"), rcOk);
    printf("os_forge: by printf\n" FORGED "7:1\n");
}

static Retcode get_env(const char *name, const char **value)
{
    CORE_CLIENT(cl, kl_core_Core_EP_hal_HAL, CORE_MSG_SMALL);
    kl_core_Types_Retcode rc = rcFail;
    *value = NULL;
    return core_result(kl_core_HAL_GetEnv(&cl, name, value, &rc), &rc);
}

static bool get_env_refused(void)
{
    /* Set on this image's boot line (test/os/grub.cfg): ksm=ksm_test init=einit_test. */
    static const char *const kernel_params[] = {
        "ksm", "init", "ksmkill", "selftest", "fault", "romfs.cat", "", "no.such.parameter"};
    bool stopped = true;
    for (size_t i = 0; i < sizeof kernel_params / sizeof kernel_params[0]; i++) {
        const char *v = NULL;
        stopped &= OT_RC(get_env(kernel_params[i], &v), rcAccessDenied);
        stopped &= OT_TRUE(v == NULL || v[0] == 0);
    }
    const char *v = NULL;
    OT_RC(get_env("bench.nomon", &v), rcNotFound);
    return stopped;
}

int main(void)
{
    ot_begin("os_forge");
    /* Start after the image's timing-sensitive IPC tests are past their first seconds (every
     * call here is a decision of the KSM, which they share). */
    core_thread_sleep(2000);
    forge_console();
    bool env = get_env_refused();
    /* Still served afterwards. */
    OT_RC(core_thread_sleep(1), rcOk);
    ot_attack("kl.core.HAL.DebugWrite", true);
    if (env)
        ot_attack("kl.core.HAL.GetEnv", true);
    return ot_end();
}
