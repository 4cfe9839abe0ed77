/* Routes: the event streams (Server-Sent Events). */
#ifndef SIDECAR_ROUTES_EVENTS_H
#define SIDECAR_ROUTES_EVENTS_H

#include "http.h"

httpResult routeEvents(httpCtx *c);

#endif
