/* libevent's own error pages rewritten as our JSON error object while still queued. */
#include "http_pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <jansson.h>

#include "log.h"

/* evhttp queues a reply synchronously, one add per piece: the status line, each
 * header line, the blank line, the body. Nothing is written to the socket in between
 * (that happens in the loop), so the reply being queued is tracked by one state per
 * loop, whatever connection it is on. */
struct httpPages {
    httpLoop *loop;
    long maxBody, maxHeaders;
    struct evbuffer *buf; /* whose reply is being queued; NULL: none of interest */
    size_t start;         /* where the reply starts in buf */
    size_t headEnd;       /* where its body starts, once the head is queued */
    size_t bodyLen;       /* its Content-Length */
    int status, html, haveLength, inHead, pending, busy;
};

/* Our code answers with JSON, text or an event stream: a text/html reply of 400 or more
 * can only be evhttp's own page. */
static const char *httpPagesMessage(httpPages *p, int status, const char **code, char *buf,
                                    size_t cap) {
    switch (status) {
    case 413:
        *code = "payload_too_large";
        snprintf(buf, cap, "the body is over the limit of %ld bytes", p->maxBody);
        return buf;
    case 400:
        *code = "bad_request";
        snprintf(buf, cap,
                 "malformed HTTP request, or its request line and headers over the limit of "
                 "%ld bytes",
                 p->maxHeaders);
        return buf;
    case 501: *code = "not_implemented"; return "the method is not implemented";
    case 417: *code = "expectation_failed"; return "only Expect: 100-continue is understood";
    case 405: *code = "method_not_allowed"; return "method not allowed";
    case 503: *code = "unavailable"; return "the server cannot answer now";
    default: *code = "internal_error"; return "the request could not be answered";
    }
}

static void httpPagesRewrite(httpPages *p, struct evbuffer *buf) {
    size_t end = p->headEnd + p->bodyLen;
    char line[128], msgbuf[200];
    const char *code;
    const char *msg = httpPagesMessage(p, p->status, &code, msgbuf, sizeof(msgbuf));
    json_t *o = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
    char *json = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    struct evbuffer *out = evbuffer_new();
    p->pending = 0;
    p->buf = NULL;
    if (!json || !out) {
        free(json);
        if (out) evbuffer_free(out);
        return; /* the page goes out as it is */
    }
    p->busy = 1;
    /* A bufferevent's output is frozen at its start except while writing. */
    evbuffer_unfreeze(buf, 1);
    evbuffer_remove_buffer(buf, out, p->start); /* replies queued before this one */
    size_t n = evbuffer_copyout(buf, line, sizeof(line) - 1);
    line[n] = '\0';
    char *eol = strstr(line, "\r\n");
    if (eol) eol[2] = '\0';
    evbuffer_drain(buf, end - p->start);
    const char *status = eol ? line : "HTTP/1.1 500 Internal Server Error\r\n";
    if (p->haveLength)
        evbuffer_add_printf(out,
                            "%sContent-Type: application/json; charset=utf-8\r\n"
                            "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                            status, strlen(json), json);
    else /* the reply to a HEAD: the head alone */
        evbuffer_add_printf(out,
                            "%sContent-Type: application/json; charset=utf-8\r\n"
                            "Connection: close\r\n\r\n",
                            status);
    evbuffer_add_buffer(out, buf); /* anything queued after it (nothing, as it closes) */
    evbuffer_add_buffer(buf, out);
    evbuffer_freeze(buf, 1);
    p->busy = 0;
    evbuffer_free(out);
    free(json);
    if (p->loop) p->loop->requestsByClass[p->status / 100]++;
    logInfo("- - %d 0us (answered by the HTTP layer: %s)", p->status, msg);
}

/* One piece of a reply was queued on buf: the status line starts a reply; header lines
 * say whether it is evhttp's page and how long its body is; the blank line ends the
 * head, and once the body is queued too the page is replaced. */
static void httpPagesOnOutput(struct evbuffer *buf, const struct evbuffer_cb_info *info,
                              void *arg) {
    httpPages *p = arg;
    if (p->busy || info->n_added == 0) return;
    size_t len = evbuffer_get_length(buf), at = len - info->n_added;
    char piece[64];
    size_t n = info->n_added < sizeof(piece) - 1 ? info->n_added : sizeof(piece) - 1;
    struct evbuffer_ptr pos;
    if (evbuffer_ptr_set(buf, &pos, at, EVBUFFER_PTR_SET) ||
        evbuffer_copyout_from(buf, &pos, piece, n) != (ev_ssize_t)n)
        return;
    piece[n] = '\0';
    if (n >= 12 && strncmp(piece, "HTTP/1.", 7) == 0) {
        int status = atoi(piece + 9);
        p->buf = status >= 400 ? buf : NULL;
        p->start = at;
        p->status = status;
        p->html = p->haveLength = p->pending = 0;
        p->bodyLen = 0;
        p->inHead = 1;
        return;
    }
    if (p->buf != buf) return;
    if (p->inHead) {
        if (n == 2 && piece[0] == '\r' && piece[1] == '\n') {
            p->inHead = 0;
            p->headEnd = len;
            /* evhttp's pages are HTTP/1.1 with a length, but for a HEAD: no body. */
            p->pending = p->html;
            if (!p->pending) p->buf = NULL;
        } else if (strncasecmp(piece, "Content-Type: text/html", 23) == 0) {
            p->html = 1;
        } else if (strncasecmp(piece, "Content-Length: ", 16) == 0) {
            p->bodyLen = strtoul(piece + 16, NULL, 10);
            p->haveLength = 1;
        }
    }
    if (p->pending && !p->inHead && len >= p->headEnd + p->bodyLen) httpPagesRewrite(p, buf);
}

static struct bufferevent *httpPagesNewBev(struct event_base *base, void *arg) {
    /* What evhttp would make itself, plus the callback. */
    struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    if (bev) evbuffer_add_cb(bufferevent_get_output(bev), httpPagesOnOutput, arg);
    return bev;
}

httpPages *httpPagesNew(struct evhttp *http, httpLoop *loop, long maxBody, long maxHeaders) {
    httpPages *p = calloc(1, sizeof(*p));
    if (!p) return NULL;
    p->loop = loop;
    p->maxBody = maxBody;
    p->maxHeaders = maxHeaders;
    evhttp_set_bevcb(http, httpPagesNewBev, p);
    evhttp_set_flags(http, EVHTTP_SERVER_LINGERING_CLOSE);
    return p;
}

void httpPagesFree(httpPages *p) {
    free(p);
}
