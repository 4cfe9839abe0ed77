/* Routes: finding a guest (GET /reservation/search). */
#ifndef SIDECAR_ROUTES_SEARCH_H
#define SIDECAR_ROUTES_SEARCH_H

#include "http.h"

httpResult routeReservationSearch(httpCtx *c);

#endif
