/* The listener of a loop's server: evhttp with its limits, connection counting, and the
 * drain on SIGTERM. */
#ifndef SIDECAR_LISTENER_H
#define SIDECAR_LISTENER_H

#include "server.h"

int listenerStart(server *srv);
/* SIGTERM: stop accepting, let in-flight requests finish (bounded), then end the loop. */
void listenerShutdown(server *srv);

#endif
