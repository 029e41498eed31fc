/*
 * pocketenv/common.h: export macro, version, error codes and error detail.
 *
 * Error model
 * -----------
 * Every failable function returns an int: POCKETENV_OK (0) on success, or one of the
 * negative POCKETENV_E* codes below. The codes are stable: numbers are never reused or
 * shifted; callers must keep a default branch because new codes may be added.
 *
 * Detail about the most recent failure *on the calling thread* is kept in thread-local
 * storage and read with pocketenv_error_last(). It is only meaningful right after a call
 * returned non-zero (a successful call clears it). Transport failures (POCKETENV_ENET,
 * POCKETENV_ETIMEOUT) never carry an HTTP status; answers from the server always do.
 */
#ifndef POCKETENV_COMMON_H
#define POCKETENV_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define POCKETENV_EXTERN(type) extern __attribute__((visibility("default"))) type
#else
#define POCKETENV_EXTERN(type) extern type
#endif

#ifdef __cplusplus
#define POCKETENV_BEGIN_DECL extern "C" {
#define POCKETENV_END_DECL }
#else
#define POCKETENV_BEGIN_DECL
#define POCKETENV_END_DECL
#endif

POCKETENV_BEGIN_DECL

#define POCKETENV_VERSION_MAJOR 0
#define POCKETENV_VERSION_MINOR 1
#define POCKETENV_VERSION_PATCH 0
#define POCKETENV_VERSION "0.1.0"
#define POCKETENV_SOVERSION 0
/** 0xMMmmpp, comparable with POCKETENV_VERSION_CHECK. */
#define POCKETENV_VERSION_NUMBER \
    ((POCKETENV_VERSION_MAJOR << 16) | (POCKETENV_VERSION_MINOR << 8) | POCKETENV_VERSION_PATCH)
#define POCKETENV_VERSION_CHECK(maj, min, pat) \
    (POCKETENV_VERSION_NUMBER >= (((maj) << 16) | ((min) << 8) | (pat)))

/** Runtime version of the linked library (compare with POCKETENV_VERSION_NUMBER). */
POCKETENV_EXTERN(int) pocketenv_version_number(void);
/** Runtime version string; static storage, never free it. */
POCKETENV_EXTERN(const char *) pocketenv_version(void);

/** Value of an integer field the server did not send (or sent as null). */
#define POCKETENV_NONE ((int64_t)-1)

typedef enum pocketenv_error_code {
    POCKETENV_OK = 0,
    POCKETENV_ERROR = -1,        /**< generic failure (see message) */
    POCKETENV_ENOTFOUND = -2,    /**< the server said the object does not exist (404 or its "{}") */
    POCKETENV_EAUTH = -3,        /**< not logged in (no token: no request was sent) or 401/403 */
    POCKETENV_EHTTP = -4,        /**< the server answered with another HTTP error (status kept) */
    POCKETENV_ENET = -5,         /**< transport failure: connect, DNS, reset, TLS */
    POCKETENV_ETIMEOUT = -6,     /**< a transport or wait timeout expired */
    POCKETENV_EPROTO = -7,       /**< the server answered something that is not the documented shape */
    POCKETENV_EINVAL = -8,       /**< invalid argument, rejected before any request */
    POCKETENV_ECONFLICT = -9,    /**< the object already exists (409) */
    POCKETENV_EIO = -10,         /**< local file-system failure (read, write, disk full) */
    POCKETENV_EUNSAFE = -11,     /**< a hostile archive entry was refused; nothing was written */
    POCKETENV_ENOMEM = -12,      /**< out of memory */
    POCKETENV_ECANCELED = -13,   /**< the caller's progress callback asked to stop */
} pocketenv_error_code;

/**
 * Detail of the last failure on this thread. Borrowed: owned by the library and valid until
 * the next libpocketenv call on the same thread. Never contains tokens or secret values.
 */
typedef struct pocketenv_error {
    int code;                 /**< one of pocketenv_error_code */
    long http_status;         /**< HTTP status of the server's answer, 0 for local/transport failures */
    const char *remote_error; /**< the XRPC "error" name, e.g. "SandboxNotFound"; "" when none */
    const char *message;      /**< human-readable text naming what failed and why; never NULL */
} pocketenv_error;

/** The last failure on the calling thread (never NULL; code 0 after a success). Thread-safe. */
POCKETENV_EXTERN(const pocketenv_error *) pocketenv_error_last(void);

/** A short static description of an error code ("not found", "transport failure", ...). */
POCKETENV_EXTERN(const char *) pocketenv_strerror(int code);

/**
 * Initialise global state (libcurl, libsodium). Reference-counted and thread-safe; call once
 * before creating clients from several threads. pocketenv_client_new() calls it implicitly.
 */
POCKETENV_EXTERN(int) pocketenv_global_init(void);
/** Release what pocketenv_global_init() acquired, when the count drops to zero. */
POCKETENV_EXTERN(void) pocketenv_global_cleanup(void);

POCKETENV_END_DECL

#endif
