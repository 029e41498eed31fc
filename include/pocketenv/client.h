/*
 * pocketenv/client.h: the client handle and its configuration.
 *
 * Threading: a pocketenv_client keeps one HTTP connection alive between calls and must be
 * used by one thread at a time (it may move between threads). Use one client per thread to
 * run calls in parallel; clients share nothing.
 */
#ifndef POCKETENV_CLIENT_H
#define POCKETENV_CLIENT_H

#include "common.h"

POCKETENV_BEGIN_DECL

#define POCKETENV_DEFAULT_API_URL "https://api.pocketenv.io"
#define POCKETENV_DEFAULT_STORAGE_URL "https://sandbox.pocketenv.io"
#define POCKETENV_DEFAULT_PUBLIC_KEY \
    "2bf96e12d109e6948046a7803ef1696e12c11f04f20a6ce64dbd4bcd93db9341"

typedef struct pocketenv_client pocketenv_client;

#define POCKETENV_CLIENT_OPTIONS_VERSION 1

/**
 * Client options. Strings are copied by pocketenv_client_new(). NULL or 0 means "default".
 * Resolution order for each setting: this struct, then the environment
 * (POCKETENV_TOKEN, POCKETENV_API_URL, POCKETENV_PUBLIC_KEY, POCKETENV_STORAGE_URL), then
 * ~/.pocketenv/token.json (token only), then the platform default.
 */
typedef struct pocketenv_client_options {
    unsigned version;            /**< POCKETENV_CLIENT_OPTIONS_VERSION */
    const char *token;
    const char *api_url;
    const char *storage_url;
    const char *public_key_hex;  /**< the server's X25519 sealing key, 64 hex characters */
    long connect_timeout_ms;     /**< default 10000 */
    long timeout_ms;             /**< whole-request limit for API calls; default 0 = none for
                                      exec and transfers, 30000 for everything else */
    int max_retries;             /**< retries of idempotent queries on 429/502/503; default 3,
                                      negative for none */
    long max_retry_wait_ms;      /**< cap for Retry-After and backoff; default 30000 */
    const char *token_file;      /**< default $HOME/.pocketenv/token.json */
    const char *user_agent;      /**< default "libpocketenv/<version>" */
} pocketenv_client_options;

#define POCKETENV_CLIENT_OPTIONS_INIT { POCKETENV_CLIENT_OPTIONS_VERSION, NULL, NULL, NULL, NULL, \
                                        0, 0, 0, 0, NULL, NULL }

/** Initialise opts to defaults for the given version. Returns POCKETENV_EINVAL on a bad version. */
POCKETENV_EXTERN(int) pocketenv_client_options_init(pocketenv_client_options *opts, unsigned version);

/**
 * Create a client. opts may be NULL (all defaults). A missing token is not an error here:
 * calls that need one fail with POCKETENV_EAUTH ("not logged in") without sending anything.
 * Fails with POCKETENV_EINVAL for a malformed public key or URL. *out is owned by the caller,
 * released with pocketenv_client_free().
 */
POCKETENV_EXTERN(int) pocketenv_client_new(pocketenv_client **out, const pocketenv_client_options *opts);

/** Release a client and its connection. NULL is a no-op. */
POCKETENV_EXTERN(void) pocketenv_client_free(pocketenv_client *c);

/** Borrowed accessors (valid while the client lives). token may be NULL (not logged in). */
POCKETENV_EXTERN(const char *) pocketenv_client_api_url(const pocketenv_client *c);
POCKETENV_EXTERN(const char *) pocketenv_client_storage_url(const pocketenv_client *c);
POCKETENV_EXTERN(int) pocketenv_client_has_token(const pocketenv_client *c);

/**
 * Raw XRPC call, for methods this library does not wrap. method is "GET" or "POST";
 * query is "k=v&k2=v2" already URL-encoded, or NULL; body_json is the JSON text to send or
 * NULL for a procedure without input (no body is sent at all). On success *out_body (if
 * out_body is non-NULL) receives the response body as a NUL-terminated string owned by the
 * caller (free()), possibly "" for an empty 2xx body.
 */
POCKETENV_EXTERN(int) pocketenv_xrpc(pocketenv_client *c, const char *method, const char *nsid,
                                    const char *query, const char *body_json, char **out_body);

POCKETENV_END_DECL

#endif
