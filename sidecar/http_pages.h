/* The replies libevent 2.1 writes itself, made our JSON error object. evhttp answers some
 * requests before any callback of ours runs: a body over max-body (413), a malformed
 * request or headers over max-headers (400), a method it does not implement (501), an
 * Expect it does not know (417). It writes an HTML page then. 2.1 has no hook for
 * those replies (evhttp_set_newreqcb and per-request error callbacks of incoming
 * requests come with 2.2), but every connection's bufferevent can be ours
 * (evhttp_set_bevcb): a callback on its output buffer sees each reply as evhttp queues
 * it, and replaces such a page, still unsent, with the JSON error of the same status.
 * A body over the limit is read to its end and dropped before the 413 is written
 * (EVHTTP_SERVER_LINGERING_CLOSE), so a client still sending reads the 413 rather than
 * a reset connection. */
#ifndef SIDECAR_HTTP_PAGES_H
#define SIDECAR_HTTP_PAGES_H

#include <event2/http.h>

#include "http.h"

typedef struct httpPages httpPages;

/* Attaches to http (its bufferevent callback and flags); the limits are those set on
 * it, for the messages; loop counts the replies. NULL when out of memory. */
httpPages *httpPagesNew(struct evhttp *http, httpLoop *loop, long maxBody, long maxHeaders);
/* After evhttp_free(). */
void httpPagesFree(httpPages *p);

#endif
