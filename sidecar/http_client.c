#include "http_client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/http.h>
#include <event2/util.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define HTTP_CLIENT_MAX_BODY (16L << 20)

struct httpClientReq {
    httpClient *hc;
    struct evhttp_connection *evcon;
    struct evhttp_request *req; /* NULL once evhttp is done with it */
    struct bufferevent *bev;
    struct event *deadline; /* the whole exchange, connect included */
    struct event *deliver;  /* runs the callback outside evhttp's own callbacks */
    httpClientCb *cb;
    void *arg;
    long timeoutMs;
    int finished;
    int errKind; /* enum evhttp_request_error + 1, 0 when none was reported */
    int status;
    char *body;
    size_t bodyLen;
    char error[256];
    LIST_ENTRY(httpClientReq) link;
};

struct httpClient {
    struct event_base *base;
    dnsResolver *dns; /* the loop's */
    SSL_CTX *ssl;     /* created at the first https URL */
    char *caFile;
    LIST_HEAD(, httpClientReq) reqs;
    int inflight;
    int closing;
};

httpClient *httpClientNew(struct event_base *base, dnsResolver *dns, const char *caFile) {
    httpClient *hc = calloc(1, sizeof(*hc));
    if (!hc) return NULL;
    hc->base = base;
    hc->dns = dns;
    LIST_INIT(&hc->reqs);
    if (caFile && !(hc->caFile = strdup(caFile))) {
        free(hc);
        return NULL;
    }
    return hc;
}

int httpClientInflight(const httpClient *hc) {
    return hc ? hc->inflight : 0;
}

/* Calls back and frees; the connection is freed here, outside evhttp's callbacks. */
static void httpClientDeliver(httpClientReq *r, int cancelled) {
    httpClientResult res = {r->finished ? r->status : 0, cancelled && !r->finished,
                            r->error[0] ? r->error : NULL, r->body ? r->body : "", r->bodyLen};
    if (res.cancelled) {
        res.status = 0;
        res.error = "cancelled: the server is shutting down";
    }
    LIST_REMOVE(r, link);
    r->hc->inflight--;
    if (r->evcon) evhttp_connection_free(r->evcon); /* cancels a request still under way */
    r->evcon = NULL;
    if (r->deadline) event_free(r->deadline);
    if (r->deliver) event_free(r->deliver);
    r->cb(&res, r->arg);
    free(r->body);
    free(r);
}

static void httpClientOnDeliver(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    httpClientDeliver(arg, 0);
}

static void httpClientFinish(httpClientReq *r) {
    if (r->finished) return;
    r->finished = 1;
    event_del(r->deadline);
    event_active(r->deliver, EV_TIMEOUT, 1);
}

static const char *httpClientErrName(int kind) {
    switch (kind - 1) {
    case EVREQ_HTTP_TIMEOUT: return "timed out";
    case EVREQ_HTTP_EOF: return "the connection closed before a reply";
    case EVREQ_HTTP_INVALID_HEADER: return "invalid reply headers";
    case EVREQ_HTTP_BUFFER_ERROR: return "connection error";
    case EVREQ_HTTP_DATA_TOO_LONG: return "reply too large";
    default: return "request failed";
    }
}

static void httpClientOnError(enum evhttp_request_error e, void *arg) {
    httpClientReq *r = arg;
    r->errKind = (int)e + 1;
}

/* Why a request ended without a reply: TLS first (certificate problems say the most),
 * then the socket error, then what evhttp reported. */
static void httpClientExplain(httpClientReq *r) {
    unsigned long ssl = r->bev ? bufferevent_get_openssl_error(r->bev) : 0;
    int sock = EVUTIL_SOCKET_ERROR();
    if (ssl) {
        char buf[160];
        ERR_error_string_n(ssl, buf, sizeof(buf));
        snprintf(r->error, sizeof(r->error), "TLS error: %s", buf);
    } else if (r->errKind) {
        snprintf(r->error, sizeof(r->error), "%s", httpClientErrName(r->errKind));
    } else if (sock) {
        snprintf(r->error, sizeof(r->error), "connection failed: %s",
                 evutil_socket_error_to_string(sock));
    } else {
        snprintf(r->error, sizeof(r->error), "connection failed");
    }
}

static void httpClientOnReply(struct evhttp_request *req, void *arg) {
    httpClientReq *r = arg;
    r->req = NULL; /* evhttp frees it after this callback */
    if (r->finished) return;
    int code = req ? evhttp_request_get_response_code(req) : 0;
    if (code > 0) {
        struct evbuffer *in = evhttp_request_get_input_buffer(req);
        size_t n = evbuffer_get_length(in);
        r->body = malloc(n + 1);
        if (r->body) {
            evbuffer_remove(in, r->body, n);
            r->body[n] = '\0';
            r->bodyLen = n;
            r->status = code;
        } else {
            snprintf(r->error, sizeof(r->error), "out of memory");
        }
    } else {
        httpClientExplain(r);
    }
    httpClientFinish(r);
}

static void httpClientOnDeadline(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    httpClientReq *r = arg;
    if (r->finished) return;
    snprintf(r->error, sizeof(r->error), "timed out after %ld ms", r->timeoutMs);
    /* Cancelling never calls the request's callback. */
    if (r->req) evhttp_cancel_request(r->req);
    r->req = NULL;
    httpClientFinish(r);
}

static SSL_CTX *httpClientSslCtx(httpClient *hc, char *err, size_t errlen) {
    if (hc->ssl) return hc->ssl;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        snprintf(err, errlen, "cannot create a TLS context");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    int ok = hc->caFile ? SSL_CTX_load_verify_locations(ctx, hc->caFile, NULL)
                        : SSL_CTX_set_default_verify_paths(ctx);
    if (ok != 1) {
        snprintf(err, errlen, "cannot load CA certificates%s%s", hc->caFile ? " from " : "",
                 hc->caFile ? hc->caFile : "");
        SSL_CTX_free(ctx);
        return NULL;
    }
    hc->ssl = ctx;
    return ctx;
}

/* A socket or TLS bufferevent for host (SNI and name verification set). */
static struct bufferevent *httpClientBev(httpClient *hc, int https, const char *host, char *err,
                                         size_t errlen) {
    if (!https) return bufferevent_socket_new(hc->base, -1, BEV_OPT_CLOSE_ON_FREE);
    SSL_CTX *ctx = httpClientSslCtx(hc, err, errlen);
    if (!ctx) return NULL;
    SSL *ssl = SSL_new(ctx);
    if (!ssl) {
        snprintf(err, errlen, "cannot create a TLS session");
        return NULL;
    }
    int numeric = dnsIsNumeric(host);
    if (!numeric) SSL_set_tlsext_host_name(ssl, host);
    X509_VERIFY_PARAM *vp = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (numeric ? X509_VERIFY_PARAM_set1_ip_asc(vp, host) != 1 : SSL_set1_host(ssl, host) != 1) {
        SSL_free(ssl);
        snprintf(err, errlen, "cannot set the TLS host name");
        return NULL;
    }
    struct bufferevent *bev = bufferevent_openssl_socket_new(
        hc->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
    if (!bev) {
        SSL_free(ssl);
        snprintf(err, errlen, "cannot create a TLS connection");
        return NULL;
    }
    /* Many servers end a reply without close_notify; the reply is complete anyway. */
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    return bev;
}

int httpClientRequest(httpClient *hc, const char *method, const char *url, const char *bearer,
                      const char *body, size_t bodyLen, long timeoutMs, httpClientCb *cb, void *arg,
                      char *err, size_t errlen) {
    if (hc->closing) {
        snprintf(err, errlen, "the server is shutting down");
        return -1;
    }
    struct evhttp_uri *u = evhttp_uri_parse(url);
    const char *scheme = u ? evhttp_uri_get_scheme(u) : NULL;
    const char *host = u ? evhttp_uri_get_host(u) : NULL;
    if (!u || !scheme || !host || !*host ||
        (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)) {
        snprintf(err, errlen, "not an http:// or https:// URL: %.200s", url);
        if (u) evhttp_uri_free(u);
        return -1;
    }
    int https = strcasecmp(scheme, "https") == 0;
    int port = evhttp_uri_get_port(u);
    if (port < 0) port = https ? 443 : 80;
    /* evhttp_uri keeps an IPv6 host without its brackets. */
    char hostBuf[300];
    snprintf(hostBuf, sizeof(hostBuf), "%s", host);
    const char *path = evhttp_uri_get_path(u), *query = evhttp_uri_get_query(u);
    size_t tlen = (path ? strlen(path) : 0) + (query ? strlen(query) : 0) + 3;
    char *target = malloc(tlen);
    httpClientReq *r = calloc(1, sizeof(*r));
    if (!target || !r) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    snprintf(target, tlen, "%s%s%s", path && *path ? path : "/", query ? "?" : "",
             query ? query : "");

    struct evdns_base *evdns = dnsIsNumeric(hostBuf) ? NULL : dnsBase(hc->dns);
    if (!dnsIsNumeric(hostBuf) && !evdns) {
        snprintf(err, errlen, "cannot start the DNS resolver");
        goto fail;
    }
    r->hc = hc;
    r->cb = cb;
    r->arg = arg;
    r->timeoutMs = timeoutMs;
    r->deadline = evtimer_new(hc->base, httpClientOnDeadline, r);
    r->deliver = evtimer_new(hc->base, httpClientOnDeliver, r);
    if (!r->deadline || !r->deliver) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    r->bev = httpClientBev(hc, https, hostBuf, err, errlen);
    if (!r->bev) goto fail;
    r->evcon = evhttp_connection_base_bufferevent_new(hc->base, evdns, r->bev, hostBuf,
                                                      (unsigned short)port);
    if (!r->evcon) {
        bufferevent_free(r->bev);
        r->bev = NULL;
        snprintf(err, errlen, "cannot create a connection");
        goto fail;
    }
    struct timeval tv = {timeoutMs / 1000, (timeoutMs % 1000) * 1000};
    evhttp_connection_set_timeout_tv(r->evcon, &tv);
    evhttp_connection_set_retries(r->evcon, 0);
    evhttp_connection_set_max_body_size(r->evcon, HTTP_CLIENT_MAX_BODY);

    r->req = evhttp_request_new(httpClientOnReply, r);
    if (!r->req) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    evhttp_request_set_error_cb(r->req, httpClientOnError);
    struct evkeyvalq *h = evhttp_request_get_output_headers(r->req);
    char hostHdr[320];
    int defPort = port == (https ? 443 : 80);
    int v6 = strchr(hostBuf, ':') != NULL;
    snprintf(hostHdr, sizeof(hostHdr), "%s%s%s%s%.0d", v6 ? "[" : "", hostBuf, v6 ? "]" : "",
             defPort ? "" : ":", defPort ? 0 : port);
    evhttp_add_header(h, "Host", hostHdr);
    evhttp_add_header(h, "User-Agent", "resv-sidecar");
    evhttp_add_header(h, "Accept", "application/json");
    evhttp_add_header(h, "Connection", "close");
    if (bearer) {
        size_t n = strlen(bearer) + 8;
        char *auth = malloc(n);
        if (!auth) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        snprintf(auth, n, "Bearer %s", bearer);
        evhttp_add_header(h, "Authorization", auth);
        free(auth);
    }
    enum evhttp_cmd_type type = EVHTTP_REQ_GET;
    if (strcmp(method, "POST") == 0) type = EVHTTP_REQ_POST;
    if (body) {
        evhttp_add_header(h, "Content-Type", "application/json");
        evbuffer_add(evhttp_request_get_output_buffer(r->req), body, bodyLen);
    }
    /* Linked before the request starts: a connection refused at once may call back
     * from inside evhttp_make_request, and the callback only marks it finished. */
    LIST_INSERT_HEAD(&hc->reqs, r, link);
    hc->inflight++;
    evtimer_add(r->deadline, &tv);
    if (evhttp_make_request(r->evcon, r->req, type, target) != 0) {
        /* evhttp freed the request. */
        r->req = NULL;
        snprintf(r->error, sizeof(r->error), "cannot send the request");
        httpClientFinish(r);
    }
    free(target);
    evhttp_uri_free(u);
    return 0;

fail:
    if (r) {
        if (r->req) evhttp_request_free(r->req);
        if (r->evcon) evhttp_connection_free(r->evcon);
        if (r->deadline) event_free(r->deadline);
        if (r->deliver) event_free(r->deliver);
        free(r);
    }
    free(target);
    evhttp_uri_free(u);
    return -1;
}

void httpClientFree(httpClient *hc) {
    if (!hc) return;
    hc->closing = 1;
    while (!LIST_EMPTY(&hc->reqs))
        httpClientDeliver(LIST_FIRST(&hc->reqs), 1);
    if (hc->ssl) SSL_CTX_free(hc->ssl);
    free(hc->caFile);
    free(hc);
}
