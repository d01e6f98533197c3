/* Helpers of the psl host tests: type descriptions, compiling policy text, building messages. */
#ifndef PSL_TESTLIB_H
#define PSL_TESTLIB_H

#include <stddef.h>
#include <stdint.h>

#include "ksm_decide.h"
#include "pslc.h"

/* kl.core + the psltest classes (loaded once). */
const struct typedesc *psl_test_td(void);

/* Compiles text; *diag receives everything pslc printed (errors, warnings). NULL on errors. */
struct ksm_table *psl_test_compile(const char *text, struct policy **p, char **diag);

/* Compiles the policy file at path (pslc's diagnostics to stderr); aborts the test program when
 * it does not compile. */
struct ksm_table *psl_test_policy(const char *path, struct policy **p);

/* Class id of a class name in the policy (-1 if not used). */
int psl_test_class(const struct policy *p, const char *name);

/* A zeroed message for (class, endpoint or NULL for security, method) in the event's part;
 * returns its length (header + fixed part); sets endpoint and method ids. */
size_t psl_test_msg(const struct policy *p, int event, const char *cls, const char *ep,
                    const char *method, uint8_t *buf, uint32_t *ep_id, uint32_t *m_id);

/* Writes value at the field path ("o.inner.b") of the message built by psl_test_msg. */
void psl_test_set(const struct policy *p, int event, const char *cls, const char *ep,
                  const char *method, uint8_t *buf, const char *path, uint64_t value);

#endif
