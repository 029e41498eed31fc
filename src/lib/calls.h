/* Shared shapes of XRPC calls used by every resource module. */
#ifndef PE_CALLS_H
#define PE_CALLS_H

#include "internal.h"

#define PE_NSID(x) "io.pocketenv." x
#define PE_NPARAMS(a) (sizeof(a) / sizeof((a)[0]))

/*
 * GET an object. wrapper: the key the object is wrapped in ("sandbox", "secret", ...), or NULL
 * for a bare object. A missing/null wrapper or a bare "{}" is POCKETENV_ENOTFOUND. *out is
 * allocated (t->size) and owned by the caller.
 */
PE_HIDDEN int pe_get_object(pocketenv_client *c, const char *nsid, const pe_param *params, size_t n,
                            int flags, const pe_type *t, const char *wrapper, void **out);

/* GET a list {key: [...], total}. */
PE_HIDDEN int pe_get_list(pocketenv_client *c, const char *nsid, const pe_param *params, size_t n,
                          const pe_type *t, const char *key, void *list);

/* POST and ignore the answer (which may be empty). body may be NULL (no input). Takes a
 * reference to body (json_decref'd here). */
PE_HIDDEN int pe_post(pocketenv_client *c, const char *nsid, const pe_param *params, size_t n,
                      json_t *body, int flags);

/* POST and read an optional string member of the answer (e.g. previewUrl). *out NULL if absent. */
PE_HIDDEN int pe_post_string(pocketenv_client *c, const char *nsid, const pe_param *params, size_t n,
                             json_t *body, int flags, const char *key, char **out);

/* Seal a value with the client's key; NULL on failure (error set). */
PE_HIDDEN char *pe_client_seal(pocketenv_client *c, const char *value);

/* limit/offset as decimal strings for params (buffers of 24). */
PE_HIDDEN void pe_paging(int limit, int def_limit, int offset, char *lbuf, char *obuf);

#endif
