/* The sidecar's log: one line per entry on stderr, each with its time (UTC, to the
 * millisecond) and level, so an operator can sort, filter and correlate:
 *   2024-02-15T10:00:01.234Z INFO listening on 127.0.0.1:8080
 * Request data only ever comes in through %s arguments; control characters in the
 * finished line are replaced, so an entry stays one line whatever a client sent. */
#ifndef SIDECAR_LOG_H
#define SIDECAR_LOG_H

typedef enum { LOG_INFO, LOG_WARN, LOG_ERROR } logLevel;

void logWrite(logLevel level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define logInfo(...)  logWrite(LOG_INFO, __VA_ARGS__)
#define logWarn(...)  logWrite(LOG_WARN, __VA_ARGS__)
#define logError(...) logWrite(LOG_ERROR, __VA_ARGS__)

#endif
