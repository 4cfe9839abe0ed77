/* Routes of the walk-in waitlist: /stores/{store_id}/waitlist (RESV.WAIT.*). */
#ifndef SIDECAR_ROUTES_WAITLIST_H
#define SIDECAR_ROUTES_WAITLIST_H

#include "http.h"

httpResult routeWaitlistAdd(httpCtx *c);
httpResult routeWaitlistList(httpCtx *c);
httpResult routeWaitlistSeat(httpCtx *c);
httpResult routeWaitlistDelete(httpCtx *c);

#endif
