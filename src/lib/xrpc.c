/*
 * Client configuration and the XRPC transport: one kept-alive libcurl easy handle per client,
 * exact body rules (no body for procedures without input, JSON for the others), error mapping
 * that keeps transport failures apart from server answers, and bounded retries of idempotent
 * queries on 429/502/503.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "internal.h"

#define MAX_RESPONSE_BYTES (64u << 20) /* a JSON answer larger than this is refused */

static pthread_mutex_t global_lock = PTHREAD_MUTEX_INITIALIZER;
static int global_refs;

int pocketenv_global_init(void)
{
    int rc = 0;
    pthread_mutex_lock(&global_lock);
    if (global_refs == 0) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            rc = pe_fail(POCKETENV_ERROR, "libcurl global initialisation failed");
        else if (sodium_init() < 0)
            rc = pe_fail(POCKETENV_ERROR, "libsodium initialisation failed");
    }
    if (!rc)
        global_refs++;
    pthread_mutex_unlock(&global_lock);
    return rc;
}

void pocketenv_global_cleanup(void)
{
    pthread_mutex_lock(&global_lock);
    if (global_refs > 0 && --global_refs == 0)
        curl_global_cleanup();
    pthread_mutex_unlock(&global_lock);
}

int pocketenv_client_options_init(pocketenv_client_options *opts, unsigned version)
{
    if (!opts || version != POCKETENV_CLIENT_OPTIONS_VERSION)
        return pe_fail(POCKETENV_EINVAL, "unsupported client options version %u", version);
    pocketenv_client_options init = POCKETENV_CLIENT_OPTIONS_INIT;
    *opts = init;
    return 0;
}

static const char *first_set(const char *explicit_value, const char *env_name)
{
    if (explicit_value && *explicit_value)
        return explicit_value;
    const char *e = getenv(env_name);
    return e && *e ? e : NULL;
}

/* Reads {"token": "..."}; other members ignored. Missing file: NULL without error. */
static char *read_token_file(const char *path)
{
    if (!path)
        return NULL;
    json_t *root = json_load_file(path, 0, NULL);
    if (!root)
        return NULL;
    const char *t = json_string_value(json_object_get(root, "token"));
    char *copy = t && *t ? strdup(t) : NULL;
    json_decref(root);
    return copy;
}

/* Strips trailing slashes so base + "/xrpc/..." never doubles them. */
static char *normalise_url(const char *url)
{
    char *u = strdup(url);
    if (!u)
        return NULL;
    size_t n = strlen(u);
    while (n > 0 && u[n - 1] == '/')
        u[--n] = '\0';
    return u;
}

static int valid_base_url(const char *u)
{
    return !strncmp(u, "http://", 7) || !strncmp(u, "https://", 8);
}

int pocketenv_client_new(pocketenv_client **out, const pocketenv_client_options *opts)
{
    pocketenv_client_options defaults = POCKETENV_CLIENT_OPTIONS_INIT;
    if (!out)
        return pe_fail(POCKETENV_EINVAL, "out is NULL");
    *out = NULL;
    if (!opts)
        opts = &defaults;
    if (opts->version != POCKETENV_CLIENT_OPTIONS_VERSION)
        return pe_fail(POCKETENV_EINVAL, "unsupported client options version %u", opts->version);
    if (pocketenv_global_init())
        return pocketenv_error_last()->code;

    pocketenv_client *c = calloc(1, sizeof *c);
    if (!c) {
        pocketenv_global_cleanup();
        return pe_fail(POCKETENV_ENOMEM, "out of memory");
    }
    const char *api = first_set(opts->api_url, "POCKETENV_API_URL");
    const char *storage = first_set(opts->storage_url, "POCKETENV_STORAGE_URL");
    const char *key = first_set(opts->public_key_hex, "POCKETENV_PUBLIC_KEY");
    const char *token = first_set(opts->token, "POCKETENV_TOKEN");
    int rc = 0;

    c->api_url = normalise_url(api ? api : POCKETENV_DEFAULT_API_URL);
    c->storage_url = normalise_url(storage ? storage : POCKETENV_DEFAULT_STORAGE_URL);
    c->user_agent = opts->user_agent ? strdup(opts->user_agent) : strdup("libpocketenv/" POCKETENV_VERSION);
    if (token) {
        c->token = strdup(token);
    } else {
        char *path = opts->token_file ? strdup(opts->token_file) : pe_home_path(".pocketenv/token.json");
        c->token = read_token_file(path);
        free(path);
    }
    c->connect_timeout_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : 10000;
    c->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 30000;
    c->max_retries = opts->max_retries == 0 ? 3 : (opts->max_retries < 0 ? 0 : opts->max_retries);
    c->max_retry_wait_ms = opts->max_retry_wait_ms > 0 ? opts->max_retry_wait_ms : 30000;
    c->curl = curl_easy_init();

    if (!c->api_url || !c->storage_url || !c->user_agent || !c->curl)
        rc = pe_fail(POCKETENV_ENOMEM, "out of memory creating the client");
    else if (!valid_base_url(c->api_url))
        rc = pe_fail(POCKETENV_EINVAL, "API URL must start with http:// or https://: %s", c->api_url);
    else if (!valid_base_url(c->storage_url))
        rc = pe_fail(POCKETENV_EINVAL, "storage URL must start with http:// or https://: %s", c->storage_url);
    else if (pe_hex_decode(key ? key : POCKETENV_DEFAULT_PUBLIC_KEY, c->public_key, 32))
        rc = pe_fail(POCKETENV_EINVAL, "public key must be 64 hexadecimal characters");
    if (rc) {
        pocketenv_client_free(c);
        return rc;
    }
    pe_hex_encode(c->public_key, 32, c->public_key_hex);
    pe_clear_error();
    *out = c;
    return 0;
}

void pocketenv_client_free(pocketenv_client *c)
{
    if (!c)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
    if (c->token)
        sodium_memzero(c->token, strlen(c->token));
    free(c->token);
    free(c->api_url);
    free(c->storage_url);
    free(c->user_agent);
    free(c);
    pocketenv_global_cleanup();
}

const char *pocketenv_client_api_url(const pocketenv_client *c) { return c ? c->api_url : NULL; }
const char *pocketenv_client_storage_url(const pocketenv_client *c) { return c ? c->storage_url : NULL; }
int pocketenv_client_has_token(const pocketenv_client *c) { return c && c->token; }

void pe_curl_setup(pocketenv_client *c, void *curl, long timeout_ms)
{
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, c->user_agent);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
}

int pe_curl_fail(int cc, const char *what, const char *errbuf)
{
    const char *detail = errbuf && *errbuf ? errbuf : curl_easy_strerror((CURLcode)cc);
    int code = cc == CURLE_OPERATION_TIMEDOUT ? POCKETENV_ETIMEOUT
             : cc == CURLE_OUT_OF_MEMORY      ? POCKETENV_ENOMEM
             : cc == CURLE_ABORTED_BY_CALLBACK ? POCKETENV_ECANCELED
                                               : POCKETENV_ENET;
    return pe_fail(code, "%s: %s", what, detail);
}

/* Copies at most n printable bytes of a non-JSON body for an error message. */
static void body_excerpt(const char *body, size_t len, char *out, size_t outsz)
{
    size_t j = 0;
    for (size_t i = 0; i < len && j + 1 < outsz && j < 160; i++) {
        unsigned char ch = (unsigned char)body[i];
        out[j++] = (ch >= 32 && ch < 127) ? (char)ch : ' ';
    }
    out[j] = '\0';
}

int pe_http_fail(long status, const char *body, size_t len, const char *what)
{
    int code = (status == 401 || status == 403) ? POCKETENV_EAUTH
             : status == 404                    ? POCKETENV_ENOTFOUND
             : status == 409                    ? POCKETENV_ECONFLICT
                                                : POCKETENV_EHTTP;
    json_t *env = body && len ? json_loadb(body, len, 0, NULL) : NULL;
    const char *name = json_string_value(json_object_get(env, "error"));
    const char *msg = json_string_value(json_object_get(env, "message"));
    char excerpt[200] = "";
    if (!env && body && len)
        body_excerpt(body, len, excerpt, sizeof excerpt);
    const char *text = msg ? msg : name ? name : *excerpt ? excerpt : "no error detail in the answer";
    int rc = pe_fail_http(code, status, name ? name : "", "%s: HTTP %ld%s%s: %s", what, status,
                          name ? " " : "", name ? name : "", text);
    json_decref(env);
    return rc;
}

typedef struct response {
    pe_buf body;
    long retry_after_s;
    int overflow;
} response;

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
    response *r = userdata;
    size_t len = size * n;
    if (r->body.len + len > MAX_RESPONSE_BYTES) {
        r->overflow = 1;
        return 0;
    }
    return pe_buf_append(&r->body, data, len) ? 0 : len;
}

static size_t on_header(char *data, size_t size, size_t n, void *userdata)
{
    response *r = userdata;
    size_t len = size * n;
    if (len > 12 && !strncasecmp(data, "Retry-After:", 12))
        r->retry_after_s = strtol(data + 12, NULL, 10);
    return len;
}

static int build_url(pocketenv_client *c, const char *nsid, const pe_param *params, size_t n, pe_buf *url)
{
    if (pe_buf_printf(url, "%s/xrpc/%s", c->api_url, nsid))
        return POCKETENV_ENOMEM;
    char sep = '?';
    for (size_t i = 0; i < n; i++) {
        if (!params[i].value)
            continue;
        char *v = pe_url_escape(params[i].value);
        int rc = !v || pe_buf_printf(url, "%c%s=%s", sep, params[i].key, v);
        free(v);
        if (rc)
            return pe_fail(POCKETENV_ENOMEM, "out of memory");
        sep = '&';
    }
    return 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) == -1)
        ;
}

static int should_retry(int method, long status) { return method == PE_GET && (status == 429 || status == 502 || status == 503); }

static long retry_wait_ms(pocketenv_client *c, const response *r, int attempt)
{
    long ms = r->retry_after_s > 0 ? r->retry_after_s * 1000 : 250L << attempt;
    return ms > c->max_retry_wait_ms ? c->max_retry_wait_ms : ms;
}

/* One HTTP exchange. Returns 0 with *status set, or a transport error code. */
static int perform(pocketenv_client *c, int method, const char *url, const char *body, long timeout_ms,
                   response *r, long *status, const char *nsid)
{
    CURL *h = c->curl;
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *hdrs = NULL;
    curl_easy_reset(h);
    pe_curl_setup(c, h, timeout_ms);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    hdrs = curl_slist_append(hdrs, "Accept: application/json");
    hdrs = curl_slist_append(hdrs, "Expect:");
    char *auth = c->token ? pe_strprintf("Authorization: Bearer %s", c->token) : NULL;
    if (auth)
        hdrs = curl_slist_append(hdrs, auth);
    if (method == PE_POST) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        /* Procedures without input get no body and no content type (the server rejects a body,
         * even "{}"); procedures with input get JSON. */
        hdrs = curl_slist_append(hdrs, body ? "Content-Type: application/json" : "Content-Type:");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)(body ? strlen(body) : 0));
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    CURLcode cc = curl_easy_perform(h);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hdrs);
    if (auth) {
        sodium_memzero(auth, strlen(auth));
        free(auth);
    }
    if (r->overflow)
        return pe_fail(POCKETENV_EPROTO, "%s: answer larger than %u bytes refused", nsid, MAX_RESPONSE_BYTES);
    if (cc != CURLE_OK) {
        char what[200];
        snprintf(what, sizeof what, "%s: cannot reach %s", nsid, c->api_url);
        return pe_curl_fail(cc, what, errbuf);
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    return 0;
}

int pe_call(pocketenv_client *c, int method, const char *nsid, const pe_param *params, size_t nparams,
            json_t *body, int flags, json_t **out)
{
    if (out)
        *out = NULL;
    if (!c)
        return pe_fail(POCKETENV_EINVAL, "no client");
    if ((flags & PE_AUTH) && !c->token)
        return pe_fail(POCKETENV_EAUTH, "%s: not logged in (set POCKETENV_TOKEN or run 'pocketenv login')", nsid);

    pe_buf url = { 0 };
    char *body_text = NULL;
    int rc = build_url(c, nsid, params, nparams, &url);
    if (!rc && body && !(body_text = json_dumps(body, JSON_COMPACT)))
        rc = pe_fail(POCKETENV_ENOMEM, "out of memory encoding the request");
    long timeout = (flags & PE_LONG) ? 0 : c->timeout_ms;
    response r = { 0 };
    long status = 0;
    for (int attempt = 0; !rc; attempt++) {
        pe_buf_free(&r.body);
        r.retry_after_s = 0;
        rc = perform(c, method, url.data, body_text, timeout, &r, &status, nsid);
        if (rc || !should_retry(method, status) || attempt >= c->max_retries)
            break;
        sleep_ms(retry_wait_ms(c, &r, attempt));
    }
    if (!rc && (status < 200 || status >= 300))
        rc = pe_http_fail(status, r.body.data, r.body.len, nsid);
    if (!rc && out && r.body.len > 0) {
        rc = pe_parse_json(r.body.data, r.body.len, out);
        if (rc)
            pe_error_prefix(nsid);
    }
    if (!rc)
        pe_clear_error();
    free(body_text);
    pe_buf_free(&url);
    pe_buf_free(&r.body);
    return rc;
}

int pocketenv_xrpc(pocketenv_client *c, const char *method, const char *nsid, const char *query,
                   const char *body_json, char **out_body)
{
    if (out_body)
        *out_body = NULL;
    if (!method || !nsid || (strcmp(method, "GET") && strcmp(method, "POST")))
        return pe_fail(POCKETENV_EINVAL, "method must be GET or POST and nsid must be set");
    json_t *body = NULL;
    if (body_json && pe_parse_json(body_json, strlen(body_json), &body))
        return pe_fail(POCKETENV_EINVAL, "request body is not valid JSON");
    /* The caller's query string is already encoded: it rides along in the path. */
    int rc = 0;
    char *nsid_q = query && *query ? pe_strprintf("%s?%s", nsid, query) : strdup(nsid);
    json_t *resp = NULL;
    if (!nsid_q)
        rc = pe_fail(POCKETENV_ENOMEM, "out of memory");
    else
        rc = pe_call(c, strcmp(method, "GET") ? PE_POST : PE_GET, nsid_q, NULL, 0, body, 0, &resp);
    if (!rc && out_body) {
        *out_body = resp ? json_dumps(resp, JSON_COMPACT | JSON_ENCODE_ANY) : strdup("");
        if (!*out_body)
            rc = pe_fail(POCKETENV_ENOMEM, "out of memory");
    }
    json_decref(resp);
    json_decref(body);
    free(nsid_q);
    return rc;
}
