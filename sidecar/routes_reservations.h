/* Routes: reservations (sync, list, get, status, stats, tables, history). */
#ifndef SIDECAR_ROUTES_RESERVATIONS_H
#define SIDECAR_ROUTES_RESERVATIONS_H

#include "http.h"

httpResult routeReservationSync(httpCtx *c);
httpResult routeReservationList(httpCtx *c);
httpResult routeReservationGet(httpCtx *c);
httpResult routeReservationStatus(httpCtx *c);
httpResult routeReservationStats(httpCtx *c);
httpResult routeReservationTables(httpCtx *c);
httpResult routeReservationHistory(httpCtx *c);

#endif
