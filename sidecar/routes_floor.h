/* Routes of the floor: a store's table inventory (tables), availability, waitlist. */
#ifndef SIDECAR_ROUTES_FLOOR_H
#define SIDECAR_ROUTES_FLOOR_H

#include "http.h"

/* 400 naming the first query parameter not in `allowed` (NULL-terminated; NULL: none
 * allowed); HTTP_R_OK otherwise. Shared by the floor's routes (tables, availability,
 * waitlist). */
httpResult floorQueryOnly(httpCtx *c, const char *const *allowed);
httpResult routeFloorTablePut(httpCtx *c);
httpResult routeFloorTableDelete(httpCtx *c);
httpResult routeFloorAvailability(httpCtx *c);

#endif
