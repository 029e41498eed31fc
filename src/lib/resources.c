/* Secrets, SSH and Tailscale keys, variables, files, volumes and services. */
#include <stdlib.h>
#include <string.h>

#include "calls.h"

static int need(const char *what, const char *v)
{
    return v && *v ? 0 : pe_fail(POCKETENV_EINVAL, "%s is required", what);
}

/* Seals value and stores it in obj under key; fails without sending anything. */
static int set_sealed(pocketenv_client *c, json_t *obj, const char *key, const char *value)
{
    char *sealed = pe_client_seal(c, value);
    if (!sealed)
        return pocketenv_error_last()->code ? pocketenv_error_last()->code : POCKETENV_ENOMEM;
    json_object_set_new(obj, key, json_string(sealed));
    free(sealed);
    return 0;
}

/* POST {wrapper: inner} (+ id when given) after sealing inner[sealed_key] if set. */
static int post_wrapped(pocketenv_client *c, const char *nsid, const char *id, const char *wrapper, json_t *inner,
                        const char *sealed_key, const char *sealed_value, const pe_param *params, size_t n)
{
    if (!inner)
        return pe_fail(POCKETENV_ENOMEM, "out of memory");
    if (sealed_key && set_sealed(c, inner, sealed_key, sealed_value)) {
        json_decref(inner);
        return pocketenv_error_last()->code;
    }
    json_t *body = json_object();
    json_object_set_new(body, wrapper, inner);
    if (id)
        json_object_set_new(body, "id", json_string(id));
    return pe_post(c, nsid, params, n, body, PE_AUTH);
}

static int post_by_id(pocketenv_client *c, const char *nsid, const char *key, const char *id)
{
    if (need(key, id))
        return POCKETENV_EINVAL;
    pe_param p[] = { { key, id } };
    return pe_post(c, nsid, p, 1, NULL, PE_AUTH);
}

static int list_paged(pocketenv_client *c, const char *nsid, const char *sandbox_id, int limit, int offset,
                      const pe_type *t, const char *key, void *out)
{
    char l[24], o[24];
    if (!out)
        return pe_fail(POCKETENV_EINVAL, "out is NULL");
    pe_list_init(out);
    pe_paging(limit, 100, offset, l, o);
    pe_param p[] = { { "sandboxId", sandbox_id }, { "limit", l }, { "offset", o } };
    return pe_get_list(c, nsid, p, 3, t, key, out);
}

static int get_by_id(pocketenv_client *c, const char *nsid, const char *id, const pe_type *t, const char *wrapper,
                     void **out)
{
    if (!out)
        return pe_fail(POCKETENV_EINVAL, "out is NULL");
    *out = NULL;
    if (need("id", id))
        return POCKETENV_EINVAL;
    pe_param p[] = { { "id", id } };
    return pe_get_object(c, nsid, p, 1, PE_AUTH, t, wrapper, out);
}

/*
 * Finds the id of the first item of a list whose string member at `offset` equals `value`
 * (update-or-add). *id_out is NULL when absent. Pages through the whole list.
 */
static int find_id(pocketenv_client *c, const char *nsid, const char *sandbox_id, const pe_type *t,
                   const char *key, size_t match_offset, const char *value, char **id_out)
{
    *id_out = NULL;
    for (int offset = 0;; offset += 100) {
        pocketenv_secrets l; /* every list has the same layout */
        int rc = list_paged(c, nsid, sandbox_id, 100, offset, t, key, &l);
        if (rc)
            return rc;
        for (size_t i = 0; i < l.count && !*id_out; i++) {
            char *item = (char *)l.items + i * t->size;
            const char *v = *(char **)(item + match_offset);
            if (v && !strcmp(v, value))
                *id_out = strdup(*(char **)item); /* id is the first member of every type */
        }
        size_t count = l.count;
        pe_free_list(t, &l);
        if (*id_out || count < 100)
            return 0;
    }
}

/* ---------------- secrets ---------------- */

static json_t *secret_inner(const char *sandbox_id, const char *name)
{
    json_t *o = json_pack("{s:s}", "name", name);
    if (o && sandbox_id)
        json_object_set_new(o, "sandboxId", json_string(sandbox_id));
    return o;
}

int pocketenv_secret_add(pocketenv_client *c, const char *sandbox_id, const char *name, const char *value)
{
    if (need("sandbox id", sandbox_id) || need("secret name", name) || need("secret value", value))
        return POCKETENV_EINVAL;
    return post_wrapped(c, PE_NSID("secret.addSecret"), NULL, "secret", secret_inner(sandbox_id, name), "value",
                        value, NULL, 0);
}

int pocketenv_secret_update(pocketenv_client *c, const char *secret_id, const char *sandbox_id, const char *name,
                            const char *value)
{
    if (need("secret id", secret_id) || need("secret name", name) || need("secret value", value))
        return POCKETENV_EINVAL;
    return post_wrapped(c, PE_NSID("secret.updateSecret"), secret_id, "secret", secret_inner(sandbox_id, name),
                        "value", value, NULL, 0);
}

int pocketenv_secret_put(pocketenv_client *c, const char *sandbox_id, const char *name, const char *value)
{
    char *id = NULL;
    if (need("sandbox id", sandbox_id) || need("secret name", name) || need("secret value", value))
        return POCKETENV_EINVAL;
    int rc = find_id(c, PE_NSID("secret.getSecrets"), sandbox_id, &pe_type_secret, "secrets",
                     offsetof(pocketenv_secret, name), name, &id);
    if (!rc)
        rc = id ? pocketenv_secret_update(c, id, sandbox_id, name, value)
                : pocketenv_secret_add(c, sandbox_id, name, value);
    free(id);
    return rc;
}

int pocketenv_secret_list(pocketenv_client *c, const char *sandbox_id, int limit, int offset,
                          pocketenv_secrets *out)
{
    return list_paged(c, PE_NSID("secret.getSecrets"), sandbox_id, limit, offset, &pe_type_secret, "secrets", out);
}

int pocketenv_secret_get(pocketenv_client *c, const char *secret_id, pocketenv_secret **out)
{
    return get_by_id(c, PE_NSID("secret.getSecret"), secret_id, &pe_type_secret, "secret", (void **)out);
}

int pocketenv_secret_delete(pocketenv_client *c, const char *secret_id)
{
    return post_by_id(c, PE_NSID("secret.deleteSecret"), "id", secret_id);
}

/* ---------------- SSH keys ---------------- */

int pocketenv_ssh_keys_get(pocketenv_client *c, const char *sandbox_id, pocketenv_ssh_keys **out)
{
    return get_by_id(c, PE_NSID("sandbox.getSshKeys"), sandbox_id, &pe_type_ssh_keys, NULL, (void **)out);
}

int pocketenv_ssh_keys_put(pocketenv_client *c, const char *sandbox_id, const char *private_key,
                           const char *public_key)
{
    if (need("sandbox id", sandbox_id) || need("private key", private_key) || need("public key", public_key))
        return POCKETENV_EINVAL;
    char *redacted = pocketenv_redact_ssh_private_key(private_key);
    if (!redacted)
        return pe_fail(POCKETENV_ENOMEM, "out of memory");
    json_t *body = json_pack("{s:s, s:s, s:s}", "id", sandbox_id, "publicKey", public_key, "redacted", redacted);
    free(redacted);
    if (!body || set_sealed(c, body, "privateKey", private_key)) {
        json_decref(body);
        return body ? pocketenv_error_last()->code : pe_fail(POCKETENV_ENOMEM, "out of memory");
    }
    return pe_post(c, PE_NSID("sandbox.putSshKeys"), NULL, 0, body, PE_AUTH);
}

/* ---------------- Tailscale ---------------- */

int pocketenv_tailscale_auth_key_get(pocketenv_client *c, const char *sandbox_id, pocketenv_tailscale_auth_key **out)
{
    return get_by_id(c, PE_NSID("sandbox.getTailscaleAuthKey"), sandbox_id, &pe_type_tailscale, NULL, (void **)out);
}

int pocketenv_tailscale_auth_key_put(pocketenv_client *c, const char *sandbox_id, const char *auth_key)
{
    if (need("sandbox id", sandbox_id) || need("auth key", auth_key))
        return POCKETENV_EINVAL;
    if (strncmp(auth_key, "tskey-auth-", 11) != 0)
        return pe_fail(POCKETENV_EINVAL, "Tailscale auth key must start with 'tskey-auth-'");
    char *redacted = pocketenv_redact_tailscale_key(auth_key);
    json_t *body = redacted ? json_pack("{s:s, s:s}", "id", sandbox_id, "redacted", redacted) : NULL;
    free(redacted);
    if (!body || set_sealed(c, body, "authKey", auth_key)) {
        json_decref(body);
        return body ? pocketenv_error_last()->code : pe_fail(POCKETENV_ENOMEM, "out of memory");
    }
    return pe_post(c, PE_NSID("sandbox.putTailscaleAuthKey"), NULL, 0, body, PE_AUTH);
}

/* ---------------- variables ---------------- */

static json_t *variable_inner(const char *sandbox_id, const char *name, const char *value)
{
    json_t *o = json_pack("{s:s, s:s}", "name", name, "value", value);
    if (o && sandbox_id)
        json_object_set_new(o, "sandboxId", json_string(sandbox_id));
    return o;
}

int pocketenv_variable_add(pocketenv_client *c, const char *sandbox_id, const char *name, const char *value)
{
    if (need("sandbox id", sandbox_id) || need("variable name", name) || !value)
        return value ? POCKETENV_EINVAL : pe_fail(POCKETENV_EINVAL, "variable value is required");
    return post_wrapped(c, PE_NSID("variable.addVariable"), NULL, "variable", variable_inner(sandbox_id, name, value),
                        NULL, NULL, NULL, 0);
}

int pocketenv_variable_update(pocketenv_client *c, const char *variable_id, const char *sandbox_id, const char *name,
                              const char *value)
{
    if (need("variable id", variable_id) || need("variable name", name) || !value)
        return value ? POCKETENV_EINVAL : pe_fail(POCKETENV_EINVAL, "variable value is required");
    return post_wrapped(c, PE_NSID("variable.updateVariable"), variable_id, "variable",
                        variable_inner(sandbox_id, name, value), NULL, NULL, NULL, 0);
}

int pocketenv_variable_put(pocketenv_client *c, const char *sandbox_id, const char *name, const char *value)
{
    char *id = NULL;
    if (need("sandbox id", sandbox_id) || need("variable name", name))
        return POCKETENV_EINVAL;
    int rc = find_id(c, PE_NSID("variable.getVariables"), sandbox_id, &pe_type_variable, "variables",
                     offsetof(pocketenv_variable, name), name, &id);
    if (!rc)
        rc = id ? pocketenv_variable_update(c, id, sandbox_id, name, value)
                : pocketenv_variable_add(c, sandbox_id, name, value);
    free(id);
    return rc;
}

int pocketenv_variable_list(pocketenv_client *c, const char *sandbox_id, int limit, int offset,
                            pocketenv_variables *out)
{
    return list_paged(c, PE_NSID("variable.getVariables"), sandbox_id, limit, offset, &pe_type_variable,
                      "variables", out);
}

int pocketenv_variable_get(pocketenv_client *c, const char *variable_id, pocketenv_variable **out)
{
    return get_by_id(c, PE_NSID("variable.getVariable"), variable_id, &pe_type_variable, "variable", (void **)out);
}

int pocketenv_variable_delete(pocketenv_client *c, const char *variable_id)
{
    return post_by_id(c, PE_NSID("variable.deleteVariable"), "id", variable_id);
}

/* ---------------- files ---------------- */

int pocketenv_file_add(pocketenv_client *c, const char *sandbox_id, const char *path, const char *content)
{
    if (need("sandbox id", sandbox_id) || need("file path", path) || !content)
        return content ? POCKETENV_EINVAL : pe_fail(POCKETENV_EINVAL, "file content is required");
    return post_wrapped(c, PE_NSID("file.addFile"), NULL, "file",
                        json_pack("{s:s, s:s}", "sandboxId", sandbox_id, "path", path), "content", content, NULL, 0);
}

int pocketenv_file_update(pocketenv_client *c, const char *file_id, const char *path, const char *content)
{
    if (need("file id", file_id) || need("file path", path) || !content)
        return content ? POCKETENV_EINVAL : pe_fail(POCKETENV_EINVAL, "file content is required");
    return post_wrapped(c, PE_NSID("file.updateFile"), file_id, "file", json_pack("{s:s}", "path", path), "content",
                        content, NULL, 0);
}

int pocketenv_file_put(pocketenv_client *c, const char *sandbox_id, const char *path, const char *content)
{
    char *id = NULL;
    if (need("sandbox id", sandbox_id) || need("file path", path))
        return POCKETENV_EINVAL;
    int rc = find_id(c, PE_NSID("file.getFiles"), sandbox_id, &pe_type_file, "files", offsetof(pocketenv_file, path),
                     path, &id);
    if (!rc)
        rc = id ? pocketenv_file_update(c, id, path, content) : pocketenv_file_add(c, sandbox_id, path, content);
    free(id);
    return rc;
}

int pocketenv_file_list(pocketenv_client *c, const char *sandbox_id, int limit, int offset, pocketenv_files *out)
{
    return list_paged(c, PE_NSID("file.getFiles"), sandbox_id, limit, offset, &pe_type_file, "files", out);
}

int pocketenv_file_get(pocketenv_client *c, const char *file_id, pocketenv_file **out)
{
    return get_by_id(c, PE_NSID("file.getFile"), file_id, &pe_type_file, "file", (void **)out);
}

int pocketenv_file_delete(pocketenv_client *c, const char *file_id)
{
    return post_by_id(c, PE_NSID("file.deleteFile"), "id", file_id);
}

/* ---------------- volumes ---------------- */

static json_t *volume_inner(const char *sandbox_id, const char *name, const char *path, int read_only)
{
    json_t *o = json_pack("{s:s, s:b}", "name", name, "readOnly", read_only != 0);
    if (o && sandbox_id)
        json_object_set_new(o, "sandboxId", json_string(sandbox_id));
    if (o && path)
        json_object_set_new(o, "path", json_string(path));
    return o;
}

int pocketenv_volume_add(pocketenv_client *c, const char *sandbox_id, const char *name, const char *path,
                         int read_only)
{
    if (need("sandbox id", sandbox_id) || need("volume name", name) || need("volume path", path))
        return POCKETENV_EINVAL;
    return post_wrapped(c, PE_NSID("volume.addVolume"), NULL, "volume",
                        volume_inner(sandbox_id, name, path, read_only), NULL, NULL, NULL, 0);
}

int pocketenv_volume_update(pocketenv_client *c, const char *volume_id, const char *name, const char *path,
                            int read_only)
{
    if (need("volume id", volume_id) || need("volume name", name))
        return POCKETENV_EINVAL;
    return post_wrapped(c, PE_NSID("volume.updateVolume"), volume_id, "volume",
                        volume_inner(NULL, name, path, read_only), NULL, NULL, NULL, 0);
}

int pocketenv_volume_put(pocketenv_client *c, const char *sandbox_id, const char *name, const char *path,
                         int read_only)
{
    char *id = NULL;
    if (need("sandbox id", sandbox_id) || need("volume name", name) || need("volume path", path))
        return POCKETENV_EINVAL;
    int rc = find_id(c, PE_NSID("volume.getVolumes"), sandbox_id, &pe_type_volume, "volumes",
                     offsetof(pocketenv_volume, path), path, &id);
    if (!rc)
        rc = id ? pocketenv_volume_update(c, id, name, path, read_only)
                : pocketenv_volume_add(c, sandbox_id, name, path, read_only);
    free(id);
    return rc;
}

int pocketenv_volume_list(pocketenv_client *c, const char *sandbox_id, int limit, int offset,
                          pocketenv_volumes *out)
{
    return list_paged(c, PE_NSID("volume.getVolumes"), sandbox_id, limit, offset, &pe_type_volume, "volumes", out);
}

int pocketenv_volume_get(pocketenv_client *c, const char *volume_id, pocketenv_volume **out)
{
    return get_by_id(c, PE_NSID("volume.getVolume"), volume_id, &pe_type_volume, "volume", (void **)out);
}

int pocketenv_volume_delete(pocketenv_client *c, const char *volume_id)
{
    return post_by_id(c, PE_NSID("volume.deleteVolume"), "id", volume_id);
}

/* ---------------- services ---------------- */

static json_t *service_inner(const char *name, const char *command, const char *description, const int *ports,
                             size_t nports)
{
    json_t *o = json_pack("{s:s, s:s}", "name", name, "command", command);
    if (o && description)
        json_object_set_new(o, "description", json_string(description));
    if (o && nports) {
        json_t *arr = json_array();
        for (size_t i = 0; i < nports; i++)
            json_array_append_new(arr, json_integer(ports[i]));
        json_object_set_new(o, "ports", arr);
    }
    return o;
}

static int check_service(const char *name, const char *command, const int *ports, size_t nports)
{
    if (need("service name", name) || need("service command", command))
        return POCKETENV_EINVAL;
    for (size_t i = 0; i < nports; i++)
        if (ports[i] < 1 || ports[i] > 65535)
            return pe_fail(POCKETENV_EINVAL, "service port %d is out of range", ports[i]);
    return 0;
}

int pocketenv_service_add(pocketenv_client *c, const char *sandbox_id, const char *name, const char *command,
                          const char *description, const int *ports, size_t nports)
{
    if (need("sandbox id", sandbox_id) || check_service(name, command, ports, nports))
        return POCKETENV_EINVAL;
    pe_param p[] = { { "sandboxId", sandbox_id } };
    return post_wrapped(c, PE_NSID("service.addService"), NULL, "service",
                        service_inner(name, command, description, ports, nports), NULL, NULL, p, 1);
}

int pocketenv_service_update(pocketenv_client *c, const char *service_id, const char *name, const char *command,
                             const char *description, const int *ports, size_t nports)
{
    if (need("service id", service_id) || check_service(name, command, ports, nports))
        return POCKETENV_EINVAL;
    pe_param p[] = { { "serviceId", service_id } };
    return post_wrapped(c, PE_NSID("service.updateService"), NULL, "service",
                        service_inner(name, command, description, ports, nports), NULL, NULL, p, 1);
}

int pocketenv_service_list(pocketenv_client *c, const char *sandbox_id, pocketenv_services *out)
{
    if (!out || need("sandbox id", sandbox_id))
        return out ? POCKETENV_EINVAL : pe_fail(POCKETENV_EINVAL, "out is NULL");
    pe_param p[] = { { "sandboxId", sandbox_id } };
    return pe_get_list(c, PE_NSID("service.getServices"), p, 1, &pe_type_service, "services", out);
}

int pocketenv_service_put(pocketenv_client *c, const char *sandbox_id, const char *name, const char *command,
                          const char *description, const int *ports, size_t nports)
{
    pocketenv_services l;
    int rc = pocketenv_service_list(c, sandbox_id, &l);
    if (rc)
        return rc;
    const char *id = NULL;
    for (size_t i = 0; i < l.count && !id; i++)
        if (l.items[i].name && !strcmp(l.items[i].name, name ? name : ""))
            id = l.items[i].id;
    rc = id ? pocketenv_service_update(c, id, name, command, description, ports, nports)
            : pocketenv_service_add(c, sandbox_id, name, command, description, ports, nports);
    pocketenv_services_free(&l);
    return rc;
}

int pocketenv_service_start(pocketenv_client *c, const char *id) { return post_by_id(c, PE_NSID("service.startService"), "serviceId", id); }
int pocketenv_service_stop(pocketenv_client *c, const char *id) { return post_by_id(c, PE_NSID("service.stopService"), "serviceId", id); }
int pocketenv_service_restart(pocketenv_client *c, const char *id) { return post_by_id(c, PE_NSID("service.restartService"), "serviceId", id); }
int pocketenv_service_delete(pocketenv_client *c, const char *id) { return post_by_id(c, PE_NSID("service.deleteService"), "serviceId", id); }

/* ---------------- on a sandbox from an earlier step ---------------- */

#define REQUIRE_SB(sb) do { int rc_ = pe_require_sandbox(sb); if (rc_) return rc_; } while (0)

int pocketenv_sandbox_set_secret(pocketenv_client *c, const pocketenv_sandbox *sb, const char *name, const char *value)
{
    REQUIRE_SB(sb);
    return pocketenv_secret_put(c, sb->id, name, value);
}

int pocketenv_sandbox_list_secrets(pocketenv_client *c, const pocketenv_sandbox *sb, int limit, int offset,
                                   pocketenv_secrets *out)
{
    REQUIRE_SB(sb);
    return pocketenv_secret_list(c, sb->id, limit, offset, out);
}

int pocketenv_sandbox_delete_secret(pocketenv_client *c, const pocketenv_sandbox *sb, const char *secret_id)
{
    REQUIRE_SB(sb);
    return pocketenv_secret_delete(c, secret_id);
}

int pocketenv_sandbox_get_ssh_keys(pocketenv_client *c, const pocketenv_sandbox *sb, pocketenv_ssh_keys **out)
{
    REQUIRE_SB(sb);
    return pocketenv_ssh_keys_get(c, sb->id, out);
}

int pocketenv_sandbox_set_ssh_keys(pocketenv_client *c, const pocketenv_sandbox *sb, const char *private_key,
                                   const char *public_key)
{
    REQUIRE_SB(sb);
    return pocketenv_ssh_keys_put(c, sb->id, private_key, public_key);
}

int pocketenv_sandbox_get_tailscale_auth_key(pocketenv_client *c, const pocketenv_sandbox *sb,
                                             pocketenv_tailscale_auth_key **out)
{
    REQUIRE_SB(sb);
    return pocketenv_tailscale_auth_key_get(c, sb->id, out);
}

int pocketenv_sandbox_set_tailscale_auth_key(pocketenv_client *c, const pocketenv_sandbox *sb, const char *auth_key)
{
    REQUIRE_SB(sb);
    return pocketenv_tailscale_auth_key_put(c, sb->id, auth_key);
}
