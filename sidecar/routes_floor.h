/* Routes of the floor: a store's table inventory (tables), availability, waitlist. */
#ifndef SIDECAR_ROUTES_FLOOR_H
#define SIDECAR_ROUTES_FLOOR_H

#include "http.h"

httpResult routeFloorTablePut(httpCtx *c);
httpResult routeFloorTableDelete(httpCtx *c);
httpResult routeFloorAvailability(httpCtx *c);

#endif
