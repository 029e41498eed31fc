#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calls.h"

int pe_get_object(pocketenv_client *c, const char *nsid, const pe_param *params, size_t n, int flags,
                  const pe_type *t, const char *wrapper, void **out)
{
    json_t *root = NULL;
    *out = NULL;
    int rc = pe_call(c, PE_GET, nsid, params, n, NULL, flags, &root);
    if (rc)
        return rc;
    const json_t *obj = wrapper ? json_object_get(root, wrapper) : root;
    if (!root || !obj || json_is_null(obj) || (json_is_object(obj) && json_object_size(obj) == 0)) {
        json_decref(root);
        return pe_fail(POCKETENV_ENOTFOUND, "%s: not found", nsid);
    }
    void *p = malloc(t->size);
    if (!p) {
        json_decref(root);
        return pe_fail(POCKETENV_ENOMEM, "out of memory");
    }
    rc = pe_decode(t, obj, p);
    json_decref(root);
    if (rc) {
        free(p);
        return rc;
    }
    *out = p;
    return 0;
}

int pe_get_list(pocketenv_client *c, const char *nsid, const pe_param *params, size_t n, const pe_type *t,
                const char *key, void *list)
{
    json_t *root = NULL;
    pe_list_init(list);
    int rc = pe_call(c, PE_GET, nsid, params, n, NULL, PE_AUTH, &root);
    if (!rc && !root)
        rc = pe_fail(POCKETENV_EPROTO, "%s: empty answer where a list was expected", nsid);
    if (!rc)
        rc = pe_decode_list(t, root, key, list);
    json_decref(root);
    return rc;
}

int pe_post(pocketenv_client *c, const char *nsid, const pe_param *params, size_t n, json_t *body, int flags)
{
    int rc = pe_call(c, PE_POST, nsid, params, n, body, flags, NULL);
    json_decref(body);
    return rc;
}

int pe_post_string(pocketenv_client *c, const char *nsid, const pe_param *params, size_t n, json_t *body,
                   int flags, const char *key, char **out)
{
    json_t *root = NULL;
    if (out)
        *out = NULL;
    int rc = pe_call(c, PE_POST, nsid, params, n, body, flags, &root);
    json_decref(body);
    const json_t *v = json_object_get(root, key);
    if (!rc && v && !json_is_null(v) && !json_is_string(v))
        rc = pe_fail(POCKETENV_EPROTO, "%s: \"%s\" in the answer is not a string", nsid, key);
    if (!rc && out && json_is_string(v) && *json_string_value(v) && !(*out = strdup(json_string_value(v))))
        rc = pe_fail(POCKETENV_ENOMEM, "out of memory");
    json_decref(root);
    return rc;
}

char *pe_client_seal(pocketenv_client *c, const char *value)
{
    return pocketenv_seal(c->public_key_hex, value, strlen(value));
}

void pe_paging(int limit, int def_limit, int offset, char *lbuf, char *obuf)
{
    snprintf(lbuf, 24, "%d", limit > 0 ? limit : def_limit);
    snprintf(obuf, 24, "%d", offset > 0 ? offset : 0);
}
