/* Routes: integration systems (create, list, get, test). */
#ifndef SIDECAR_ROUTES_SYSTEMS_H
#define SIDECAR_ROUTES_SYSTEMS_H

#include "http.h"

httpResult routeSystemsCreate(httpCtx *c);
httpResult routeSystemsList(httpCtx *c);
httpResult routeSystemsGet(httpCtx *c);
httpResult routeSystemsTest(httpCtx *c);

#endif
