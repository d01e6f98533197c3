/*
 * The completeness check: does idlc's type description of idl/kl/core/ cover the documented
 * kernel interface (docs/spec/core-methods.tsv) exactly?
 *
 * For every documented method: its interface exists; the interface is bound to the documented
 * endpoint ("vmm.VMM") of the class kl.core.Core; the method exists and has a doc comment;
 * its parameters have the documented names, directions and order, no more and no fewer; an
 * "rc" parameter has the type Retcode. Every method of a documented interface is documented.
 * Every endpoint of kl.core.Core is either documented or one of the endpoints the documentation
 * names without listing methods (hypervisor.Hypervisor), which must then have no methods.
 */
#ifndef IDL_COMPLETENESS_H
#define IDL_COMPLETENESS_H

#include <stddef.h>

#include "hostlib/json.h"
#include "spec_tsv.h"

/* Called once per problem with a one-line message. */
typedef void (*completeness_report_fn)(void *ctx, const char *msg);

/* The class that serves the kernel's endpoints. */
#define CORE_CLASS "kl.core.Core"

/* Returns the number of problems (0: complete and exact). */
size_t completeness_check(const struct spec *spec, const struct json *typedesc,
                          completeness_report_fn report, void *ctx);

/* Endpoints the documentation names without listing their methods. */
struct undocumented_endpoint {
    const char *endpoint;  /* "hypervisor.Hypervisor" */
    const char *interface; /* "kl.core.Hypervisor" */
};
extern const struct undocumented_endpoint completeness_undocumented[];
extern const size_t completeness_undocumented_count;

#endif
