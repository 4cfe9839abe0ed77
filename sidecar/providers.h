/* The providers the sidecar knows, by the name in a system's provider field. */
#ifndef SIDECAR_PROVIDERS_H
#define SIDECAR_PROVIDERS_H

#include <stddef.h>

#include <jansson.h>

#include "provider.h"

/* The provider named (without regard to case). Yiding, the first, for a name that is
 * absent or unknown: systems were created before the field chose anything. */
const providerOps *providersFind(const char *name);

/* The target of a system: its provider (by name), and the endpoint and key in its
 * config object (borrowed from it). -1 with a message when the endpoint is missing. */
int providersTarget(const json_t *config, const char *provider, long timeoutMs, providerTarget *t,
                    char *err, size_t errlen);

#endif
