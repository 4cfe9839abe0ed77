/* The route table: method, path and roles to a handler. */
#ifndef SIDECAR_ROUTES_H
#define SIDECAR_ROUTES_H

#include "http.h"

/* Finds the route of c's request, authorises the caller and runs the handler. */
httpResult routesDispatch(httpCtx *c);

#endif
