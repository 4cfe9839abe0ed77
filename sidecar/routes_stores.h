/* Routes: a store's settings (time zone, no-show deadline, slot and turn lengths). */
#ifndef SIDECAR_ROUTES_STORES_H
#define SIDECAR_ROUTES_STORES_H

#include "http.h"

httpResult routeStoreSettingsGet(httpCtx *c);
httpResult routeStoreSettingsPut(httpCtx *c);

#endif
