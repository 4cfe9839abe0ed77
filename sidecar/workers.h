/* The worker loops of the process: one server per event loop, each loop on a thread of
 * its own (the first on the calling thread, which also takes SIGTERM and SIGINT), all
 * listening on one port (SO_REUSEPORT). */
#ifndef SIDECAR_WORKERS_H
#define SIDECAR_WORKERS_H

#include "config.h"
#include "server.h"

/* Runs n workers until SIGTERM or SIGINT has drained every one. 0, or 1 when they
 * could not start. */
int workersRun(const sidecarConfig *cfg, const serverShared *shared, int n);

#endif
