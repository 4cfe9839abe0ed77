#include "providers.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "provider_yiding.h"

/* A second provider is a file of its own and one line here. */
static const providerOps *const providersAll[] = {
    &providerYiding,
};

const providerOps *providersFind(const char *name) {
    for (size_t i = 0; name && i < sizeof(providersAll) / sizeof(providersAll[0]); i++)
        if (strcasecmp(providersAll[i]->name, name) == 0) return providersAll[i];
    return providersAll[0];
}

int providersTarget(const json_t *config, const char *provider, long timeoutMs, providerTarget *t,
                    char *err, size_t errlen) {
    memset(t, 0, sizeof(*t));
    t->ops = providersFind(provider);
    t->endpoint = json_string_value(json_object_get(config, "api_endpoint"));
    t->apiKey = json_string_value(json_object_get(config, "api_key"));
    t->timeoutMs = timeoutMs;
    if (!t->endpoint || !*t->endpoint) {
        snprintf(err, errlen, "config.api_endpoint is missing");
        return -1;
    }
    if (t->apiKey && !*t->apiKey) t->apiKey = NULL;
    return 0;
}
