/* Einit's sampling hooks in every image but the profiling one: they do nothing and ask the
 * kernel nothing, so no policy has to grant Einit a Sampling method (einit_profile.h). */
#include "einit_profile.h"

void einit_profile_add(const char *task_name, const char *path, uint32_t task, uint64_t bias)
{
    (void)task_name;
    (void)path;
    (void)task;
    (void)bias;
}

void einit_profile_start(void) {}

void einit_profile_drain(void) {}

uint32_t einit_profile_drain_ms(void)
{
    return 0;
}
