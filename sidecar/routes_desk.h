/* Routes of the front desk's own bookings: create one (POST /stores/{store_id}/
 * reservations) and change one (PATCH /reservation/{reservation_id}). */
#ifndef SIDECAR_ROUTES_DESK_H
#define SIDECAR_ROUTES_DESK_H

#include "http.h"

httpResult routeDeskCreate(httpCtx *c);
httpResult routeDeskPatch(httpCtx *c);

#endif
