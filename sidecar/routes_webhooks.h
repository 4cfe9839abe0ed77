/* Routes: the provider's signed webhooks. */
#ifndef SIDECAR_ROUTES_WEBHOOKS_H
#define SIDECAR_ROUTES_WEBHOOKS_H

#include "http.h"

httpResult routeWebhookReceive(httpCtx *c);

#endif
