/* Yiding's wire format (docs/provider.md): the ops providers.c lists under "yiding". */
#ifndef SIDECAR_PROVIDER_YIDING_H
#define SIDECAR_PROVIDER_YIDING_H

#include <jansson.h>

#include "provider.h"

extern const providerOps providerYiding;

/* The push body (tests and logs): a JSON object, new reference. */
json_t *providerYidingStatusBody(const providerStatusChange *ch);

#endif
