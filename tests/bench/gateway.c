/* The floor for the HTTP layer in `make bench` (docs/bench.md): GET /<id> answers
 * HGETALL <prefix><id> as a JSON object of strings, 404 when there is none. No auth,
 * no typing, no validation: the least an HTTP-to-Redis gateway does, on the sidecar's
 * own stack (evhttp, async hiredis, jansson). Built by tests/bench/run.sh, not by make.
 *   gateway <listen port> <redis port> <key prefix> */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <jansson.h>

static redisAsyncContext *gatewayRedis;
static const char *gatewayPrefix;

static void gatewayReply(redisAsyncContext *c, void *r, void *privdata) {
    (void)c;
    struct evhttp_request *req = privdata;
    redisReply *reply = r;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        evhttp_send_error(req, 502, NULL);
        return;
    }
    if (reply->elements == 0) {
        evhttp_send_error(req, 404, NULL);
        return;
    }
    json_t *o = json_object();
    for (size_t i = 0; i + 1 < reply->elements; i += 2) {
        redisReply *v = reply->element[i + 1];
        json_object_set_new(o, reply->element[i]->str, json_stringn(v->str, v->len));
    }
    char *body = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    evbuffer_add(evhttp_request_get_output_buffer(req), body, strlen(body));
    free(body);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
    evhttp_send_reply(req, 200, "OK", NULL);
}

static void gatewayRequest(struct evhttp_request *req, void *arg) {
    (void)arg;
    const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
    char key[512];
    int n = path && path[0] == '/' && path[1]
                ? snprintf(key, sizeof key, "%s%s", gatewayPrefix, path + 1)
                : -1;
    if (n < 0 || n >= (int)sizeof key) {
        evhttp_send_error(req, 404, NULL);
        return;
    }
    const char *argv[2] = {"HGETALL", key};
    size_t lens[2] = {7, (size_t)n};
    redisAsyncCommandArgv(gatewayRedis, gatewayReply, req, 2, argv, lens);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: gateway <listen port> <redis port> <key prefix>\n");
        return 2;
    }
    gatewayPrefix = argv[3];
    struct event_base *base = event_base_new();
    gatewayRedis = redisAsyncConnect("127.0.0.1", atoi(argv[2]));
    if (!base || !gatewayRedis || gatewayRedis->err) {
        fprintf(stderr, "gateway: cannot connect to redis\n");
        return 1;
    }
    redisLibeventAttach(gatewayRedis, base);
    struct evhttp *http = evhttp_new(base);
    if (!http || evhttp_bind_socket(http, "127.0.0.1", (ev_uint16_t)atoi(argv[1]))) {
        fprintf(stderr, "gateway: cannot listen on port %s\n", argv[1]);
        return 1;
    }
    evhttp_set_gencb(http, gatewayRequest, NULL);
    event_base_dispatch(base);
    return 0;
}
