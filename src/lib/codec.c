/*
 * Descriptor-driven JSON codec. Each wire object is described once (key, kind, member offset);
 * the client decodes with it, pocketenvd encodes with it, and both free with it.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define S(T, key, m) { key, PE_STR, offsetof(T, m), 0, NULL }
#define I(T, key, m) { key, PE_INT, offsetof(T, m), 0, NULL }
#define N(x) (sizeof(x) / sizeof((x)[0]))
#define TYPE(var, T, fields) const pe_type var = { #T, sizeof(T), fields, N(fields) }

static const pe_field profile_fields[] = {
    S(pocketenv_profile, "id", id), S(pocketenv_profile, "did", did),
    S(pocketenv_profile, "handle", handle), S(pocketenv_profile, "displayName", display_name),
    S(pocketenv_profile, "avatar", avatar), S(pocketenv_profile, "createdAt", created_at),
    S(pocketenv_profile, "updatedAt", updated_at),
};
TYPE(pe_type_profile, pocketenv_profile, profile_fields);

static const pe_field sandbox_fields[] = {
    S(pocketenv_sandbox, "id", id), S(pocketenv_sandbox, "name", name),
    S(pocketenv_sandbox, "provider", provider), S(pocketenv_sandbox, "displayName", display_name),
    S(pocketenv_sandbox, "description", description),
    { "topics", PE_STRARR, offsetof(pocketenv_sandbox, topics), offsetof(pocketenv_sandbox, topics_count), NULL },
    S(pocketenv_sandbox, "baseSandbox", base_sandbox),
    { "status", PE_STATUS, offsetof(pocketenv_sandbox, status_raw), offsetof(pocketenv_sandbox, status), NULL },
    S(pocketenv_sandbox, "repo", repo), S(pocketenv_sandbox, "logo", logo),
    S(pocketenv_sandbox, "readme", readme), I(pocketenv_sandbox, "installs", installs),
    S(pocketenv_sandbox, "uri", uri), I(pocketenv_sandbox, "vcpus", vcpus),
    I(pocketenv_sandbox, "memory", memory), I(pocketenv_sandbox, "disk", disk),
    S(pocketenv_sandbox, "createdAt", created_at), S(pocketenv_sandbox, "startedAt", started_at),
    { "owner", PE_OBJ, offsetof(pocketenv_sandbox, owner), 0, &pe_type_profile },
};
TYPE(pe_type_sandbox, pocketenv_sandbox, sandbox_fields);

static const pe_field port_fields[] = {
    I(pocketenv_port, "port", port), S(pocketenv_port, "description", description),
    S(pocketenv_port, "previewUrl", preview_url),
};
TYPE(pe_type_port, pocketenv_port, port_fields);

static const pe_field exec_fields[] = {
    S(pocketenv_exec_result, "stdout", stdout_text), S(pocketenv_exec_result, "stderr", stderr_text),
    I(pocketenv_exec_result, "exitCode", exit_code),
};
TYPE(pe_type_exec, pocketenv_exec_result, exec_fields);

static const pe_field secret_fields[] = {
    S(pocketenv_secret, "id", id), S(pocketenv_secret, "name", name),
    S(pocketenv_secret, "createdAt", created_at),
};
TYPE(pe_type_secret, pocketenv_secret, secret_fields);

static const pe_field variable_fields[] = {
    S(pocketenv_variable, "id", id), S(pocketenv_variable, "name", name),
    S(pocketenv_variable, "value", value), S(pocketenv_variable, "createdAt", created_at),
    S(pocketenv_variable, "updatedAt", updated_at),
};
TYPE(pe_type_variable, pocketenv_variable, variable_fields);

static const pe_field file_fields[] = {
    S(pocketenv_file, "id", id), S(pocketenv_file, "path", path),
    S(pocketenv_file, "createdAt", created_at), S(pocketenv_file, "updatedAt", updated_at),
};
TYPE(pe_type_file, pocketenv_file, file_fields);

static const pe_field volume_fields[] = {
    S(pocketenv_volume, "id", id), S(pocketenv_volume, "name", name),
    S(pocketenv_volume, "path", path), S(pocketenv_volume, "createdAt", created_at),
    S(pocketenv_volume, "updatedAt", updated_at),
};
TYPE(pe_type_volume, pocketenv_volume, volume_fields);

static const pe_field service_fields[] = {
    S(pocketenv_service, "id", id), S(pocketenv_service, "name", name),
    S(pocketenv_service, "description", description), S(pocketenv_service, "command", command),
    S(pocketenv_service, "status", status), S(pocketenv_service, "createdAt", created_at),
    { "ports", PE_INTARR, offsetof(pocketenv_service, ports), offsetof(pocketenv_service, ports_count), NULL },
};
TYPE(pe_type_service, pocketenv_service, service_fields);

static const pe_field ssh_fields[] = {
    S(pocketenv_ssh_keys, "id", id), S(pocketenv_ssh_keys, "privateKey", private_key),
    S(pocketenv_ssh_keys, "publicKey", public_key), S(pocketenv_ssh_keys, "createdAt", created_at),
};
TYPE(pe_type_ssh_keys, pocketenv_ssh_keys, ssh_fields);

static const pe_field tailscale_fields[] = {
    S(pocketenv_tailscale_auth_key, "id", id), S(pocketenv_tailscale_auth_key, "authKey", auth_key),
    S(pocketenv_tailscale_auth_key, "createdAt", created_at),
};
TYPE(pe_type_tailscale, pocketenv_tailscale_auth_key, tailscale_fields);

static const pe_field backup_fields[] = {
    S(pocketenv_backup, "id", id), S(pocketenv_backup, "directory", directory),
    S(pocketenv_backup, "description", description), S(pocketenv_backup, "expiresAt", expires_at),
    S(pocketenv_backup, "createdAt", created_at),
};
TYPE(pe_type_backup, pocketenv_backup, backup_fields);

/* Every public list struct has the layout {T *items; size_t count; int64_t total;}. */
typedef struct pe_list {
    void *items;
    size_t count;
    int64_t total;
} pe_list;
#define SAME_LAYOUT(L) \
    _Static_assert(offsetof(L, count) == offsetof(pe_list, count) && \
                   offsetof(L, total) == offsetof(pe_list, total) && sizeof(L) == sizeof(pe_list), #L)
SAME_LAYOUT(pocketenv_sandboxes);
SAME_LAYOUT(pocketenv_ports);
SAME_LAYOUT(pocketenv_secrets);
SAME_LAYOUT(pocketenv_variables);
SAME_LAYOUT(pocketenv_files);
SAME_LAYOUT(pocketenv_volumes);
SAME_LAYOUT(pocketenv_services);
SAME_LAYOUT(pocketenv_backups);

#define AT(p, off, T) ((T *)((char *)(p) + (off)))

pocketenv_status pocketenv_status_from_string(const char *s)
{
    if (!s)
        return POCKETENV_STATUS_UNKNOWN;
    if (!strcmp(s, "RUNNING")) return POCKETENV_STATUS_RUNNING;
    if (!strcmp(s, "STOPPED")) return POCKETENV_STATUS_STOPPED;
    if (!strcmp(s, "INITIALIZING")) return POCKETENV_STATUS_INITIALIZING;
    return POCKETENV_STATUS_OTHER;
}

static int wrong_type(const pe_type *t, const char *key, const char *want)
{
    return pe_fail(POCKETENV_EPROTO, "malformed %s from the server: \"%s\" is not %s", t->name, key, want);
}

static int decode_int(const json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return 0;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d >= -9.0e18 && d <= 9.0e18 && d == (double)(int64_t)d) {
            *out = (int64_t)d;
            return 0;
        }
    }
    return -1;
}

static int decode_field(const pe_type *t, const pe_field *f, const json_t *v, void *dst)
{
    switch (f->kind) {
    case PE_STR:
    case PE_STATUS:
        if (!json_is_string(v))
            return wrong_type(t, f->key, "a string");
        if (!(*AT(dst, f->offset, char *) = strdup(json_string_value(v))))
            return pe_fail(POCKETENV_ENOMEM, "out of memory");
        if (f->kind == PE_STATUS)
            *AT(dst, f->count_offset, pocketenv_status) = pocketenv_status_from_string(json_string_value(v));
        return 0;
    case PE_INT:
        if (decode_int(v, AT(dst, f->offset, int64_t)))
            return wrong_type(t, f->key, "an integer");
        return 0;
    case PE_STRARR:
    case PE_INTARR: {
        if (!json_is_array(v))
            return wrong_type(t, f->key, "an array");
        size_t n = json_array_size(v);
        size_t esz = f->kind == PE_STRARR ? sizeof(char *) : sizeof(int64_t);
        void *arr = calloc(n ? n : 1, esz);
        if (!arr)
            return pe_fail(POCKETENV_ENOMEM, "out of memory");
        *AT(dst, f->offset, void *) = arr;
        for (size_t i = 0; i < n; i++) {
            const json_t *e = json_array_get(v, i);
            if (f->kind == PE_STRARR) {
                if (!json_is_string(e))
                    return wrong_type(t, f->key, "an array of strings");
                if (!(((char **)arr)[i] = strdup(json_string_value(e))))
                    return pe_fail(POCKETENV_ENOMEM, "out of memory");
            } else if (decode_int(e, &((int64_t *)arr)[i])) {
                return wrong_type(t, f->key, "an array of integers");
            }
            (*AT(dst, f->count_offset, size_t))++;
        }
        return 0;
    }
    case PE_OBJ: {
        if (!json_is_object(v))
            return wrong_type(t, f->key, "an object");
        void *sub = calloc(1, f->sub->size);
        if (!sub)
            return pe_fail(POCKETENV_ENOMEM, "out of memory");
        *AT(dst, f->offset, void *) = sub;
        return pe_decode(f->sub, v, sub);
    }
    }
    return 0;
}

static void set_defaults(const pe_type *t, void *dst)
{
    memset(dst, 0, t->size);
    for (size_t i = 0; i < t->nfields; i++)
        if (t->fields[i].kind == PE_INT)
            *AT(dst, t->fields[i].offset, int64_t) = POCKETENV_NONE;
}

int pe_decode(const pe_type *t, const json_t *obj, void *dst)
{
    set_defaults(t, dst);
    if (!json_is_object(obj))
        return pe_fail(POCKETENV_EPROTO, "malformed %s from the server: not a JSON object", t->name);
    for (size_t i = 0; i < t->nfields; i++) {
        const json_t *v = json_object_get(obj, t->fields[i].key);
        if (!v || json_is_null(v))
            continue;
        int rc = decode_field(t, &t->fields[i], v, dst);
        if (rc) {
            pe_free_members(t, dst);
            set_defaults(t, dst);
            return rc;
        }
    }
    return 0;
}

void pe_free_members(const pe_type *t, void *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < t->nfields; i++) {
        const pe_field *f = &t->fields[i];
        switch (f->kind) {
        case PE_STR:
        case PE_STATUS:
            free(*AT(p, f->offset, char *));
            break;
        case PE_STRARR: {
            char **arr = *AT(p, f->offset, char **);
            size_t n = *AT(p, f->count_offset, size_t);
            for (size_t k = 0; k < n; k++)
                free(arr[k]);
            free(arr);
            break;
        }
        case PE_INTARR:
            free(*AT(p, f->offset, void *));
            break;
        case PE_OBJ: {
            void *sub = *AT(p, f->offset, void *);
            pe_free_members(f->sub, sub);
            free(sub);
            break;
        }
        case PE_INT:
            break;
        }
    }
}

void pe_free_list(const pe_type *t, void *list)
{
    pe_list *l = list;
    if (!l)
        return;
    for (size_t i = 0; i < l->count; i++)
        pe_free_members(t, (char *)l->items + i * t->size);
    free(l->items);
    l->items = NULL;
    l->count = 0;
    l->total = POCKETENV_NONE;
}

void pe_list_init(void *list)
{
    pe_list *l = list;
    l->items = NULL;
    l->count = 0;
    l->total = POCKETENV_NONE;
}

int pe_decode_list(const pe_type *t, const json_t *root, const char *key, void *list)
{
    pe_list *l = list;
    pe_list_init(l);
    if (!json_is_object(root))
        return pe_fail(POCKETENV_EPROTO, "malformed %s list from the server: not a JSON object", t->name);
    const json_t *arr = json_object_get(root, key);
    if (!arr || json_is_null(arr)) /* the server's error fallbacks use other keys: an empty list */
        arr = NULL;
    else if (!json_is_array(arr))
        return pe_fail(POCKETENV_EPROTO, "malformed %s list from the server: \"%s\" is not an array", t->name, key);
    const json_t *total = json_object_get(root, "total");
    if (total && !json_is_null(total) && decode_int(total, &l->total))
        return pe_fail(POCKETENV_EPROTO, "malformed %s list from the server: \"total\" is not an integer", t->name);
    size_t n = arr ? json_array_size(arr) : 0;
    if (!n)
        return 0;
    if (!(l->items = calloc(n, t->size)))
        return pe_fail(POCKETENV_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        int rc = pe_decode(t, json_array_get(arr, i), (char *)l->items + i * t->size);
        if (rc) {
            pe_free_list(t, l);
            return rc;
        }
        l->count++;
    }
    return 0;
}

json_t *pe_encode(const pe_type *t, const void *src)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    for (size_t i = 0; i < t->nfields; i++) {
        const pe_field *f = &t->fields[i];
        json_t *v = NULL;
        switch (f->kind) {
        case PE_STR:
        case PE_STATUS: {
            const char *s = *AT(src, f->offset, char *const);
            if (s)
                v = json_string(s);
            break;
        }
        case PE_INT: {
            int64_t n = *AT(src, f->offset, const int64_t);
            if (n != POCKETENV_NONE)
                v = json_integer(n);
            break;
        }
        case PE_STRARR:
        case PE_INTARR: {
            void *arr = *AT(src, f->offset, void *const);
            size_t n = *AT(src, f->count_offset, const size_t);
            if (!arr)
                break;
            v = json_array();
            for (size_t k = 0; k < n; k++)
                json_array_append_new(v, f->kind == PE_STRARR ? json_string(((char **)arr)[k])
                                                              : json_integer(((int64_t *)arr)[k]));
            break;
        }
        case PE_OBJ: {
            const void *sub = *AT(src, f->offset, void *const);
            if (sub)
                v = pe_encode(f->sub, sub);
            break;
        }
        }
        if (v)
            json_object_set_new(o, f->key, v);
    }
    return o;
}

int pe_parse_json(const char *text, size_t len, json_t **out)
{
    json_error_t err;
    *out = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (!*out)
        return pe_fail(POCKETENV_EPROTO, "malformed JSON from the server (line %d, column %d): %s",
                       err.line, err.column, err.text);
    return 0;
}

/* ---- public _free functions ---- */
#define FREE_STRUCT(fn, T, type) \
    void fn(T *p) { if (p) { pe_free_members(&type, p); free(p); } }
#define FREE_LIST(fn, T, type) \
    void fn(T *l) { pe_free_list(&type, l); }

FREE_STRUCT(pocketenv_profile_free, pocketenv_profile, pe_type_profile)
FREE_STRUCT(pocketenv_sandbox_free, pocketenv_sandbox, pe_type_sandbox)
FREE_STRUCT(pocketenv_exec_result_free, pocketenv_exec_result, pe_type_exec)
FREE_STRUCT(pocketenv_secret_free, pocketenv_secret, pe_type_secret)
FREE_STRUCT(pocketenv_variable_free, pocketenv_variable, pe_type_variable)
FREE_STRUCT(pocketenv_file_free, pocketenv_file, pe_type_file)
FREE_STRUCT(pocketenv_volume_free, pocketenv_volume, pe_type_volume)
FREE_STRUCT(pocketenv_service_free, pocketenv_service, pe_type_service)
FREE_STRUCT(pocketenv_ssh_keys_free, pocketenv_ssh_keys, pe_type_ssh_keys)
FREE_STRUCT(pocketenv_tailscale_auth_key_free, pocketenv_tailscale_auth_key, pe_type_tailscale)
FREE_LIST(pocketenv_sandboxes_free, pocketenv_sandboxes, pe_type_sandbox)
FREE_LIST(pocketenv_ports_free, pocketenv_ports, pe_type_port)
FREE_LIST(pocketenv_secrets_free, pocketenv_secrets, pe_type_secret)
FREE_LIST(pocketenv_variables_free, pocketenv_variables, pe_type_variable)
FREE_LIST(pocketenv_files_free, pocketenv_files, pe_type_file)
FREE_LIST(pocketenv_volumes_free, pocketenv_volumes, pe_type_volume)
FREE_LIST(pocketenv_services_free, pocketenv_services, pe_type_service)
FREE_LIST(pocketenv_backups_free, pocketenv_backups, pe_type_backup)
