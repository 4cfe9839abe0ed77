/* Routes: two-way sync by hand (failures, re-sync, a pull now). */
#ifndef SIDECAR_ROUTES_SYNC_H
#define SIDECAR_ROUTES_SYNC_H

#include "http.h"

httpResult routeSyncFailures(httpCtx *c);
httpResult routeReservationResync(httpCtx *c);
httpResult routeSystemsPull(httpCtx *c);

#endif
