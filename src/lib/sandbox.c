/* Sandbox lifecycle, exec, ports, VS Code, profiles, listings and backups. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calls.h"

static int64_t opt_int(int64_t v) { return v > 0 ? v : 0; }

int pocketenv_sandbox_create(pocketenv_client *c, pocketenv_sandbox **out, const pocketenv_create_options *opts)
{
    pocketenv_create_options defaults = POCKETENV_CREATE_OPTIONS_INIT;
    if (!out)
        return pe_fail(POCKETENV_EINVAL, "out is NULL");
    *out = NULL;
    if (!opts)
        opts = &defaults;
    if (opts->version != POCKETENV_CREATE_OPTIONS_VERSION)
        return pe_fail(POCKETENV_EINVAL, "unsupported create options version %u", opts->version);
    if (opts->name && !*opts->name)
        return pe_fail(POCKETENV_EINVAL, "sandbox name must not be empty");
    if (opts->disk > 0 && opts->disk < 3)
        return pe_fail(POCKETENV_EINVAL, "disk must be at least 3 GB");
    json_t *body = json_pack("{s:s, s:s}", "base", opts->base ? opts->base : POCKETENV_DEFAULT_BASE,
                             "provider", opts->provider ? opts->provider : POCKETENV_DEFAULT_PROVIDER);
    if (!body)
        return pe_fail(POCKETENV_ENOMEM, "out of memory");
    if (opts->name) json_object_set_new(body, "name", json_string(opts->name));
    if (opts->description) json_object_set_new(body, "description", json_string(opts->description));
    if (opts->repo) json_object_set_new(body, "repo", json_string(opts->repo));
    if (opts->keep_alive) json_object_set_new(body, "keepAlive", json_true());
    if (opt_int(opts->vcpus)) json_object_set_new(body, "vcpus", json_integer(opts->vcpus));
    if (opt_int(opts->memory)) json_object_set_new(body, "memory", json_integer(opts->memory));
    if (opt_int(opts->disk)) json_object_set_new(body, "disk", json_integer(opts->disk));

    json_t *root = NULL;
    int rc = pe_call(c, PE_POST, PE_NSID("sandbox.createSandbox"), NULL, 0, body, 0, &root);
    json_decref(body);
    if (!rc && !json_is_object(root))
        rc = pe_fail(POCKETENV_EPROTO, "createSandbox: the answer is not a sandbox object");
    pocketenv_sandbox *sb = NULL;
    if (!rc && !(sb = malloc(sizeof *sb)))
        rc = pe_fail(POCKETENV_ENOMEM, "out of memory");
    if (!rc && (rc = pe_decode(&pe_type_sandbox, root, sb)) != 0) {
        free(sb);
        sb = NULL;
    }
    json_decref(root);
    *out = sb;
    return rc;
}

int pocketenv_sandbox_get(pocketenv_client *c, const char *id_or_name, pocketenv_sandbox **out)
{
    if (!out)
        return pe_fail(POCKETENV_EINVAL, "out is NULL");
    *out = NULL;
    if (!id_or_name || !*id_or_name)
        return pe_fail(POCKETENV_EINVAL, "sandbox id or name is empty");
    pe_param p[] = { { "id", id_or_name } };
    int rc = pe_get_object(c, PE_NSID("sandbox.getSandbox"), p, 1, 0, &pe_type_sandbox, "sandbox", (void **)out);
    if (rc == POCKETENV_ENOTFOUND)
        pe_fail(rc, "sandbox '%s' not found", id_or_name);
    return rc;
}

int pocketenv_sandbox_refresh(pocketenv_client *c, pocketenv_sandbox *sb)
{
    int rc = pe_require_sandbox(sb);
    pocketenv_sandbox *fresh = NULL;
    if (rc || (rc = pocketenv_sandbox_get(c, sb->id, &fresh)))
        return rc;
    pe_free_members(&pe_type_sandbox, sb);
    *sb = *fresh; /* take over the members; free only the shell */
    free(fresh);
    return 0;
}

int pocketenv_sandbox_list(pocketenv_client *c, int limit, int offset, pocketenv_sandboxes *out)
{
    char l[24], o[24];
    if (!out)
        return pe_fail(POCKETENV_EINVAL, "out is NULL");
    pe_paging(limit, 30, offset, l, o);
    pe_param p[] = { { "limit", l }, { "offset", o } };
    json_t *root = NULL;
    pe_list_init(out);
    int rc = pe_call(c, PE_GET, PE_NSID("sandbox.getSandboxes"), p, 2, NULL, 0, &root);
    if (!rc)
        rc = pe_decode_list(&pe_type_sandbox, root, "sandboxes", out);
    json_decref(root);
    return rc;
}

int pocketenv_sandbox_list_by_actor(pocketenv_client *c, const char *did_or_handle, int limit, int offset,
                                    int is_running, pocketenv_sandboxes *out)
{
    char l[24], o[24];
    if (!out || !did_or_handle || !*did_or_handle)
        return pe_fail(POCKETENV_EINVAL, "an actor (DID or handle) is required");
    pe_paging(limit, 30, offset, l, o);
    pe_param p[] = { { "did", did_or_handle }, { "limit", l }, { "offset", o },
                     { "isRunning", is_running < 0 ? NULL : is_running ? "true" : "false" } };
    json_t *root = NULL;
    pe_list_init(out);
    int rc = pe_call(c, PE_GET, PE_NSID("actor.getActorSandboxes"), p, PE_NPARAMS(p), NULL, 0, &root);
    if (!rc)
        rc = pe_decode_list(&pe_type_sandbox, root, "sandboxes", out);
    json_decref(root);
    return rc;
}

int pocketenv_me(pocketenv_client *c, pocketenv_profile **out)
{
    if (!out)
        return pe_fail(POCKETENV_EINVAL, "out is NULL");
    return pe_get_object(c, PE_NSID("actor.getProfile"), NULL, 0, PE_AUTH, &pe_type_profile, NULL, (void **)out);
}

int pocketenv_profile_get(pocketenv_client *c, const char *did_or_handle, pocketenv_profile **out)
{
    if (!out || !did_or_handle || !*did_or_handle)
        return pe_fail(POCKETENV_EINVAL, "an actor (DID or handle) is required");
    pe_param p[] = { { "did", did_or_handle } };
    return pe_get_object(c, PE_NSID("actor.getProfile"), p, 1, 0, &pe_type_profile, NULL, (void **)out);
}

/* Runs a lifecycle procedure on sb, then re-fetches it. */
static int lifecycle(pocketenv_client *c, pocketenv_sandbox *sb, const char *nsid, json_t *body, int refetch)
{
    int rc = pe_require_sandbox(sb);
    if (rc) {
        json_decref(body);
        return rc;
    }
    pe_param p[] = { { "id", sb->id } };
    if ((rc = pe_post(c, nsid, p, 1, body, 0)) != 0)
        return rc;
    return refetch ? pocketenv_sandbox_refresh(c, sb) : 0;
}

int pocketenv_sandbox_start(pocketenv_client *c, pocketenv_sandbox *sb, const pocketenv_start_options *opts)
{
    if (opts && opts->version != POCKETENV_START_OPTIONS_VERSION)
        return pe_fail(POCKETENV_EINVAL, "unsupported start options version %u", opts->version);
    json_t *body = json_object(); /* startSandbox needs a JSON body even when empty */
    if (opts && opts->repo)
        json_object_set_new(body, "repo", json_string(opts->repo));
    if (opts && opts->keep_alive)
        json_object_set_new(body, "keepAlive", json_true());
    return lifecycle(c, sb, PE_NSID("sandbox.startSandbox"), body, 1);
}

int pocketenv_sandbox_stop(pocketenv_client *c, pocketenv_sandbox *sb)
{
    return lifecycle(c, sb, PE_NSID("sandbox.stopSandbox"), NULL, 1);
}

int pocketenv_sandbox_delete(pocketenv_client *c, pocketenv_sandbox *sb)
{
    return lifecycle(c, sb, PE_NSID("sandbox.deleteSandbox"), NULL, 0);
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) == -1)
        ;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int pocketenv_sandbox_wait_until_running(pocketenv_client *c, pocketenv_sandbox *sb, const pocketenv_wait_options *opts)
{
    long timeout = opts && opts->timeout_ms > 0 ? opts->timeout_ms : 60000;
    long interval = opts && opts->interval_ms > 0 ? opts->interval_ms : 2000;
    long deadline = now_ms() + timeout;
    int rc = pe_require_sandbox(sb);
    while (!rc) {
        if ((rc = pocketenv_sandbox_refresh(c, sb)) != 0)
            return rc; /* not found and errors fail fast */
        if (sb->status == POCKETENV_STATUS_RUNNING)
            return 0;
        long left = deadline - now_ms();
        if (left <= 0)
            return pe_fail(POCKETENV_ETIMEOUT, "sandbox '%s' did not reach RUNNING within %ld ms (status %s)",
                           sb->name ? sb->name : sb->id, timeout, sb->status_raw ? sb->status_raw : "unknown");
        sleep_ms(left < interval ? left : interval);
    }
    return rc;
}

int pocketenv_sandbox_exec(pocketenv_client *c, const pocketenv_sandbox *sb, const char *command,
                           pocketenv_exec_result **out)
{
    int rc = pe_require_sandbox(sb);
    if (rc)
        return rc;
    if (!out || !command)
        return pe_fail(POCKETENV_EINVAL, "command and out are required");
    *out = NULL;
    pe_param p[] = { { "id", sb->id } };
    json_t *body = json_pack("{s:s}", "command", command), *root = NULL;
    rc = pe_call(c, PE_POST, PE_NSID("sandbox.exec"), p, 1, body, PE_LONG, &root);
    json_decref(body);
    pocketenv_exec_result *r = NULL;
    if (!rc && !(r = calloc(1, sizeof *r)))
        rc = pe_fail(POCKETENV_ENOMEM, "out of memory");
    if (!rc && !root)
        rc = pe_fail(POCKETENV_EPROTO, "exec: empty answer from the server");
    if (!rc)
        rc = pe_decode(&pe_type_exec, root, r);
    if (!rc && !r->stdout_text && !(r->stdout_text = strdup("")))
        rc = pe_fail(POCKETENV_ENOMEM, "out of memory");
    if (!rc && !r->stderr_text && !(r->stderr_text = strdup("")))
        rc = pe_fail(POCKETENV_ENOMEM, "out of memory");
    json_decref(root);
    if (rc) {
        pocketenv_exec_result_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

int pocketenv_sandbox_execv(pocketenv_client *c, const pocketenv_sandbox *sb, size_t argc,
                            const char *const *argv, pocketenv_exec_result **out)
{
    char *cmd = pocketenv_shell_join(argc, argv);
    if (!cmd)
        return pocketenv_error_last()->code ? pocketenv_error_last()->code : POCKETENV_ENOMEM;
    int rc = pocketenv_sandbox_exec(c, sb, cmd, out);
    free(cmd);
    return rc;
}

int pocketenv_sandbox_expose(pocketenv_client *c, const pocketenv_sandbox *sb, int port, const char *description,
                             char **out_url)
{
    int rc = pe_require_sandbox(sb);
    if (rc)
        return rc;
    if (port < 1025 || port > 65535)
        return pe_fail(POCKETENV_EINVAL, "port %d is out of range (1025-65535)", port);
    json_t *body = json_pack("{s:i}", "port", port);
    if (description)
        json_object_set_new(body, "description", json_string(description));
    pe_param p[] = { { "id", sb->id } };
    return pe_post_string(c, PE_NSID("sandbox.exposePort"), p, 1, body, PE_AUTH, "previewUrl", out_url);
}

int pocketenv_sandbox_unexpose(pocketenv_client *c, const pocketenv_sandbox *sb, int port)
{
    int rc = pe_require_sandbox(sb);
    if (rc)
        return rc;
    if (port < 1024 || port > 65535)
        return pe_fail(POCKETENV_EINVAL, "port %d is out of range (1024-65535)", port);
    pe_param p[] = { { "id", sb->id } };
    return pe_post(c, PE_NSID("sandbox.unexposePort"), p, 1, json_pack("{s:i}", "port", port), PE_AUTH);
}

int pocketenv_sandbox_list_ports(pocketenv_client *c, const pocketenv_sandbox *sb, pocketenv_ports *out)
{
    int rc = pe_require_sandbox(sb);
    if (rc || !out)
        return rc ? rc : pe_fail(POCKETENV_EINVAL, "out is NULL");
    pe_param p[] = { { "id", sb->id } };
    return pe_get_list(c, PE_NSID("sandbox.getExposedPorts"), p, 1, &pe_type_port, "ports", out);
}

int pocketenv_sandbox_vscode(pocketenv_client *c, const pocketenv_sandbox *sb, char **out_url)
{
    int rc = pe_require_sandbox(sb);
    if (rc)
        return rc;
    pe_param p[] = { { "id", sb->id } };
    return pe_post_string(c, PE_NSID("sandbox.exposeVscode"), p, 1, NULL, 0, "previewUrl", out_url);
}

int pocketenv_sandbox_create_backup(pocketenv_client *c, const pocketenv_sandbox *sb, const char *directory,
                                    const char *description, int64_t ttl_seconds)
{
    int rc = pe_require_sandbox(sb);
    if (rc)
        return rc;
    if (!directory || !*directory)
        return pe_fail(POCKETENV_EINVAL, "backup directory is empty");
    json_t *body = json_pack("{s:s}", "directory", directory);
    if (description)
        json_object_set_new(body, "description", json_string(description));
    if (ttl_seconds > 0)
        json_object_set_new(body, "ttl", json_integer(ttl_seconds));
    pe_param p[] = { { "id", sb->id } };
    return pe_post(c, PE_NSID("sandbox.createBackup"), p, 1, body, PE_AUTH | PE_LONG);
}

int pocketenv_sandbox_list_backups(pocketenv_client *c, const pocketenv_sandbox *sb, pocketenv_backups *out)
{
    int rc = pe_require_sandbox(sb);
    if (rc || !out)
        return rc ? rc : pe_fail(POCKETENV_EINVAL, "out is NULL");
    pe_param p[] = { { "id", sb->id } };
    return pe_get_list(c, PE_NSID("sandbox.getBackups"), p, 1, &pe_type_backup, "backups", out);
}

int pocketenv_restore_backup(pocketenv_client *c, const char *backup_id)
{
    if (!backup_id || !*backup_id)
        return pe_fail(POCKETENV_EINVAL, "backup id is empty");
    return pe_post(c, PE_NSID("sandbox.restoreBackup"), NULL, 0, json_pack("{s:s}", "backupId", backup_id),
                   PE_AUTH | PE_LONG);
}
