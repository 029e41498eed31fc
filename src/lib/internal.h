/*
 * Internal interfaces of libpocketenv, shared with pocketenvd and the CLI (they link the static
 * library). Names use the pe_ prefix and are not exported from the shared library.
 */
#ifndef PE_INTERNAL_H
#define PE_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <jansson.h>

#include "pocketenv/pocketenv.h"

#define PE_HIDDEN __attribute__((visibility("hidden")))

/* ---- errors (error.c) ---- */
/* Set the thread's last error; returns code so callers can `return pe_fail(...)`. */
PE_HIDDEN int pe_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
PE_HIDDEN int pe_fail_http(int code, long status, const char *remote, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
PE_HIDDEN void pe_clear_error(void);
/* Prefix the current message with "what: " (keeps code and status). Returns the code. */
PE_HIDDEN int pe_error_prefix(const char *what);

/* ---- small string helpers (str.c) ---- */
typedef struct pe_buf {
    char *data;
    size_t len, cap;
} pe_buf;
PE_HIDDEN int pe_buf_append(pe_buf *b, const void *data, size_t len);
PE_HIDDEN int pe_buf_puts(pe_buf *b, const char *s);
PE_HIDDEN int pe_buf_printf(pe_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
PE_HIDDEN void pe_buf_free(pe_buf *b);
PE_HIDDEN char *pe_strdup(const char *s); /* NULL in, NULL out */
PE_HIDDEN char *pe_strprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
PE_HIDDEN int pe_hex_decode(const char *hex, unsigned char *out, size_t outlen);
PE_HIDDEN void pe_hex_encode(const unsigned char *in, size_t len, char *out /* 2*len+1 */);
PE_HIDDEN char *pe_url_escape(const char *s);

/* ---- descriptor-driven JSON codec (codec.c) ----
 * One table per plain struct describes its JSON keys, so decoding (client), encoding
 * (server) and freeing share a single definition of every wire shape. */
typedef enum pe_kind { PE_STR, PE_INT, PE_STRARR, PE_INTARR, PE_STATUS, PE_OBJ } pe_kind;
typedef struct pe_field {
    const char *key;
    pe_kind kind;
    size_t offset;       /* offset of the member (for arrays: the pointer) */
    size_t count_offset; /* arrays: offset of the size_t count */
    const struct pe_type *sub; /* PE_OBJ: pointed-to type (member is a pointer) */
} pe_field;
typedef struct pe_type {
    const char *name;
    size_t size;
    const pe_field *fields;
    size_t nfields;
} pe_type;

extern PE_HIDDEN const pe_type pe_type_profile, pe_type_sandbox, pe_type_port, pe_type_exec,
    pe_type_secret, pe_type_variable, pe_type_file, pe_type_volume, pe_type_service,
    pe_type_ssh_keys, pe_type_tailscale, pe_type_backup;

/* Decode obj into the struct at dst (zeroed first). Missing/null fields become NULL/NONE.
 * Wrong JSON types give POCKETENV_EPROTO naming the type and key. */
PE_HIDDEN int pe_decode(const pe_type *t, const json_t *obj, void *dst);
/* Decode {"<key>": [ ... ], "total": n} into a list struct laid out as {items, count, total}. */
PE_HIDDEN int pe_decode_list(const pe_type *t, const json_t *root, const char *key, void *list);
/* Set a list struct to empty (items NULL, count 0, total NONE). */
PE_HIDDEN void pe_list_init(void *list);
/* Free the members of a struct (not the struct itself). */
PE_HIDDEN void pe_free_members(const pe_type *t, void *p);
PE_HIDDEN void pe_free_list(const pe_type *t, void *list);
/* Encode a struct as a JSON object, omitting NULL strings and NONE integers. New reference. */
PE_HIDDEN json_t *pe_encode(const pe_type *t, const void *src);

/* Decode helpers used by the public decode entry points and fuzzers. Text in, struct out. */
PE_HIDDEN int pe_parse_json(const char *text, size_t len, json_t **out);

/* ---- HTTP/XRPC (xrpc.c) ---- */
typedef struct pe_param {
    const char *key;
    const char *value;   /* NULL: parameter omitted */
} pe_param;

enum { PE_GET = 0, PE_POST = 1 };
/* Flags for pe_call */
enum {
    PE_AUTH = 1,     /* needs a token: fail with EAUTH before sending when there is none */
    PE_LONG = 2,     /* no whole-request timeout (exec, transfers) */
};

/* Perform an XRPC call. params: array of n key/value pairs (NULL values skipped). body: JSON to
 * send (NULL = no body for procedures without input). *out: parsed response (may be NULL for
 * an empty 2xx body) when out is non-NULL. Maps HTTP errors to codes with detail. */
PE_HIDDEN int pe_call(pocketenv_client *c, int method, const char *nsid, const pe_param *params,
                      size_t nparams, json_t *body, int flags, json_t **out);

struct pocketenv_client {
    char *token, *api_url, *storage_url, *user_agent;
    unsigned char public_key[32];
    char public_key_hex[65];
    long connect_timeout_ms, timeout_ms, max_retry_wait_ms;
    int max_retries;
    void *curl; /* CURL easy handle kept for connection reuse */
};

/* Configures a fresh or reset curl handle with the client's common options (timeouts, UA,
 * proxies from the environment). */
PE_HIDDEN void pe_curl_setup(pocketenv_client *c, void *curl, long timeout_ms);
/* Maps a CURLcode to our error, naming `what`. */
PE_HIDDEN int pe_curl_fail(int curlcode, const char *what, const char *errbuf);
/* Maps a non-2xx response to our error from its status and body. */
PE_HIDDEN int pe_http_fail(long status, const char *body, size_t len, const char *what);

/* ---- misc ---- */
PE_HIDDEN int pe_require_sandbox(const pocketenv_sandbox *sb);
PE_HIDDEN char *pe_home_path(const char *rel); /* $HOME/rel, caller frees */
/* The executable `name` next to the running one, or $env_var when set; NULL when neither exists. */
PE_HIDDEN char *pe_sibling_executable(const char *env_var, const char *name);
/* pocketenvd's default state directory: /var/lib/pocketenvd as root (sandbox users must traverse
 * it), else $XDG_STATE_HOME/pocketenvd or ~/.local/state/pocketenvd. Caller frees. */
PE_HIDDEN char *pe_default_state_dir(void);

/* gitignore-style ignore rules (ignore.c) */
typedef struct pe_ignore pe_ignore;
PE_HIDDEN pe_ignore *pe_ignore_new(void);
PE_HIDDEN void pe_ignore_free(pe_ignore *ig);
/* Add the patterns of an ignore file's text, scoped to dir (relative path, "" for root). */
PE_HIDDEN int pe_ignore_add(pe_ignore *ig, const char *dir, const char *text);
/* Is rel (relative to the root) ignored? is_dir tells whether it is a directory. */
PE_HIDDEN int pe_ignore_match(const pe_ignore *ig, const char *rel, int is_dir);

#endif
