/* One loop's name resolver: libevent's evdns, so a host name (a Redis node's, the
 * provider's) is looked up without blocking the loop, as getaddrinfo() would: every
 * client of the loop would wait for the name server. The evdns base is made at the
 * first name (a numeric address needs none), from /etc/resolv.conf and /etc/hosts, or
 * with the one name server of the dns-server option and /etc/hosts. */
#ifndef SIDECAR_DNS_H
#define SIDECAR_DNS_H

#include <event2/event.h>

typedef struct dnsResolver dnsResolver;
typedef struct dnsLookup dnsLookup;

/* addr: the first IPv4 address found, else the first IPv6 one, numeric; NULL when the
 * lookup failed, and err says why. Both NULL: the loop is ending (dnsShutdown), there is
 * nothing to retry. */
typedef void dnsResolvedFn(const char *addr, const char *err, void *arg);

/* server: IP[:PORT] of the one name server to ask instead of resolv.conf's, NULL for
 * those. NULL (logged) when server is not an address, or out of memory. */
dnsResolver *dnsNew(struct event_base *base, const char *server);
/* Lookups still under way are dropped: their callbacks never run. Call dnsShutdown()
 * first, while the loop runs, or libevent's share of them is never freed. */
void dnsFree(dnsResolver *d);
/* The evdns base (made now if need be) for libevent's own lookups (evhttp); NULL when
 * it cannot be made. */
struct evdns_base *dnsBase(dnsResolver *d);
/* 1 when host is an IPv4 or IPv6 address, which needs no lookup. */
int dnsIsNumeric(const char *host);
/* Looks host up; fn runs once. When the answer is known at once (an address, a name of
 * /etc/hosts, an error) it runs inside this call and NULL is returned; otherwise it
 * runs later, from the loop, and the lookup is returned. */
dnsLookup *dnsResolve(dnsResolver *d, const char *host, dnsResolvedFn *fn, void *arg);
/* Abandons a lookup under way: its fn will not run. */
void dnsCancel(dnsLookup *l);
/* The loop is about to end: every lookup under way ends now (its fn runs, with addr and
 * err NULL), and later ones at once. Returns how many cancelled lookups libevent has yet to hand
 * back, which it does on a later turn of the loop: run the loop until this is 0. */
int dnsShutdown(dnsResolver *d);

#endif
