/* Routes: health, metrics, the API description. */
#ifndef SIDECAR_ROUTES_OPS_H
#define SIDECAR_ROUTES_OPS_H

#include "http.h"

httpResult routeHealthz(httpCtx *c);
httpResult routeMetrics(httpCtx *c);
httpResult routeOpenapi(httpCtx *c);

#endif
