/* The sidecar's one clock: monotonic microseconds, for timers, deadlines and the
 * access log's durations (never for stored times, which are the module's). */
#ifndef SIDECAR_CLOCK_H
#define SIDECAR_CLOCK_H

#include <stdint.h>

uint64_t clockNowUs(void);

#endif
