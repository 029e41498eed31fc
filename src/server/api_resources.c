/*
 * io.pocketenv.{secret,variable,file,volume,service}.* and the profile handlers.
 * Secrets, variables and files share one table-driven implementation: they differ only in
 * table, key (name or path), value field and whether the value is sealed.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/archive_int.h"
#include "server.h"

typedef struct kind {
    const char *table, *id_prefix, *wrapper, *list_key, *label;
    const char *key;          /* "name" or "path": column and JSON key */
    const char *value_field;  /* JSON input field holding the value */
    const char *value_col;    /* column */
    bool sealed, has_updated, show_value;
} kind;

static const kind SECRETS = { "secrets", "secret_", "secret", "secrets", "Secret", "name", "value", "sealed", true, false, false };
static const kind VARIABLES = { "variables", "var_", "variable", "variables", "Variable", "name", "value", "value", false, true, true };
static const kind FILES = { "files", "file_", "file", "files", "File", "path", "content", "sealed", true, true, false };

static int missing_field(srv_resp *resp, const char *parent, const char *field)
{
    if (parent)
        return srv_error(resp, 400, "InvalidRequest", "Input/%s must have the property \"%s\"", parent, field);
    return srv_error(resp, 400, "InvalidRequest", "Input must have the property \"%s\"", field);
}

/* Answers a write from db_run's result: 409 for a duplicate (with conflict as the message), 500
 * for a failure, 404 when nothing matched (if not_found is given), otherwise an empty 200. */
static int write_answer(srv_resp *resp, int n, const char *not_found, const char *conflict)
{
    if (n == -2)
        return srv_error(resp, 409, "AlreadyExists", "%s", conflict ? conflict : "already exists");
    if (n < 0)
        return srv_error(resp, 500, "InternalServerError", "Internal Server Error");
    if (n == 0 && not_found)
        return srv_error(resp, 404, "XRPCNotSupported", "%s", not_found);
    return srv_empty(resp);
}

static const char *str_of(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

/* Resolves an optional sandbox reference to the caller's sandbox id. 0 ok, -1 answered 404. */
static int own_sandbox(srv_req *r, srv_resp *resp, const char *ident, char **id_out)
{
    srv_sandbox s;
    *id_out = NULL;
    if (!ident)
        return 0;
    if (!srv_sandbox_find(r, ident, &s)) {
        srv_error(resp, 404, "XRPCNotSupported", "Sandbox not found");
        return -1;
    }
    *id_out = s.pub.id;
    s.pub.id = NULL;
    srv_sandbox_free(&s);
    return 0;
}

static json_t *row_json(const kind *k, sqlite3_stmt *st)
{
    /* columns: id, key, created_at, updated_at, value */
    json_t *o = json_pack("{s:s, s:s, s:s}", "id", sqlite3_column_text(st, 0), k->key, sqlite3_column_text(st, 1),
                          "createdAt", sqlite3_column_text(st, 2));
    if (k->has_updated)
        json_object_set_new(o, "updatedAt", json_string((const char *)sqlite3_column_text(st, 3)));
    if (k->show_value)
        json_object_set_new(o, "value", json_string((const char *)sqlite3_column_text(st, 4)));
    return o;
}

static char *select_sql(const kind *k, const char *where)
{
    return pe_strprintf("SELECT id, %s, created_at, %s, %s FROM %s %s", k->key, k->has_updated ? "updated_at" : "created_at",
                        k->value_col, k->table, where);
}

/* Validates {wrapper: {key, value, sandboxId?}}; on success fills the fields. */
static int read_item(const kind *k, srv_req *r, srv_resp *resp, const char **key, const char **value, const char **sandbox)
{
    json_t *item = json_object_get(r->input, k->wrapper);
    if (!json_is_object(item))
        return missing_field(resp, NULL, k->wrapper), -1;
    *key = str_of(item, k->key);
    *value = str_of(item, k->value_field);
    *sandbox = str_of(item, "sandboxId");
    if (!*key || !**key)
        return missing_field(resp, k->wrapper, k->key), -1;
    if (!*value)
        return missing_field(resp, k->wrapper, k->value_field), -1;
    if (k->sealed) {
        char *plain = pocketenv_unseal(g_cfg.public_key, g_cfg.secret_key, *value, NULL);
        if (!plain)
            return srv_error(resp, 400, "InvalidRequest",
                             "Input/%s/%s is not a sealed box for this server's public key (see 'pocketenvd "
                             "--print-public-key')", k->wrapper, k->value_field), -1;
        memset(plain, 0, strlen(plain));
        free(plain);
    }
    return 0;
}

static int res_add(const kind *k, srv_req *r, srv_resp *resp)
{
    const char *key, *value, *sandbox;
    char *sid = NULL;
    if (read_item(k, r, resp, &key, &value, &sandbox) || own_sandbox(r, resp, sandbox, &sid))
        return 0;
    char *id = srv_new_id(k->id_prefix), *now = srv_now_iso();
    char *sql = pe_strprintf("INSERT INTO %s (id, sandbox_id, owner_did, %s, %s, created_at%s) VALUES (?,?,?,?,?,?%s)",
                             k->table, k->key, k->value_col, k->has_updated ? ", updated_at" : "",
                             k->has_updated ? ",?" : "");
    int n = db_run(sql, k->has_updated ? "sssssss" : "ssssss", id, sid, r->user->did, key, value, now, now);
    char conflict[300];
    snprintf(conflict, sizeof conflict, "%s '%s' already exists in this sandbox", k->label, key);
    write_answer(resp, n, NULL, conflict);
    free(sql);
    free(id);
    free(now);
    free(sid);
    return 0;
}

static int res_list(const kind *k, srv_req *r, srv_resp *resp)
{
    const char *l = srv_param(r, "limit"), *o = srv_param(r, "offset");
    int64_t limit = l ? strtoll(l, NULL, 10) : 20, offset = o ? strtoll(o, NULL, 10) : 0;
    if (limit < 1 || limit > 100 || offset < 0)
        return srv_error(resp, 400, "InvalidRequest", "Params/limit must be 1-100 and offset at least 0");
    char *sid = NULL;
    const char *ident = srv_param(r, "sandboxId");
    if (ident && own_sandbox(r, resp, ident, &sid))
        return 0;
    char *sql = select_sql(k, "WHERE owner_did = ? AND (? IS NULL OR sandbox_id = ?) ORDER BY created_at, id LIMIT ? OFFSET ?");
    char *count_sql = pe_strprintf("SELECT count(*) FROM %s WHERE owner_did = ? AND (? IS NULL OR sandbox_id = ?)", k->table);
    json_t *arr = json_array();
    sqlite3_stmt *st = db_prep(sql, "sssii", r->user->did, sid, sid, limit, offset);
    while (st && sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(arr, row_json(k, st));
    sqlite3_finalize(st);
    int64_t total = 0;
    st = db_prep(count_sql, "sss", r->user->did, sid, sid);
    if (st && sqlite3_step(st) == SQLITE_ROW)
        total = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    free(sql);
    free(count_sql);
    free(sid);
    return srv_json(resp, 200, json_pack("{s:o, s:I}", k->list_key, arr, "total", (json_int_t)total));
}

static int res_get(const kind *k, srv_req *r, srv_resp *resp)
{
    char *sql = select_sql(k, "WHERE id = ? AND owner_did = ?");
    sqlite3_stmt *st = db_prep(sql, "ss", srv_param(r, "id"), r->user->did);
    if (st && sqlite3_step(st) == SQLITE_ROW)
        srv_json(resp, 200, json_pack("{s:o}", k->wrapper, row_json(k, st)));
    else
        srv_json(resp, 200, json_object()); /* the platform's not-found answer */
    sqlite3_finalize(st);
    free(sql);
    return 0;
}

static int res_update(const kind *k, srv_req *r, srv_resp *resp)
{
    const char *id = str_of(r->input, "id"), *key, *value, *sandbox;
    char *sid = NULL;
    if (!id)
        return missing_field(resp, NULL, "id");
    if (read_item(k, r, resp, &key, &value, &sandbox) || own_sandbox(r, resp, sandbox, &sid))
        return 0;
    char *now = srv_now_iso();
    char *sql = pe_strprintf("UPDATE %s SET %s = ?, %s = ?%s, sandbox_id = coalesce(?, sandbox_id) "
                             "WHERE id = ? AND owner_did = ?", k->table, k->key, k->value_col,
                             k->has_updated ? ", updated_at = ?" : ", created_at = created_at || ?");
    int n = db_run(sql, "ssssss", key, value, k->has_updated ? now : "", sid, id, r->user->did);
    char conflict[300], missing[64];
    snprintf(conflict, sizeof conflict, "%s '%s' already exists in this sandbox", k->label, key);
    snprintf(missing, sizeof missing, "%s not found", k->label);
    write_answer(resp, n, missing, conflict);
    free(sql);
    free(now);
    free(sid);
    return 0;
}

static int res_delete(const kind *k, srv_req *r, srv_resp *resp)
{
    char *sql = pe_strprintf("DELETE FROM %s WHERE id = ? AND owner_did = ?", k->table);
    int n = db_run(sql, "ss", srv_param(r, "id"), r->user->did);
    free(sql);
    char missing[64];
    snprintf(missing, sizeof missing, "%s not found", k->label);
    return write_answer(resp, n, missing, NULL);
}

#define KIND_HANDLERS(name, K)                                                                   \
    static int h_add_##name(srv_req *r, srv_resp *s) { return res_add(&K, r, s); }               \
    static int h_list_##name(srv_req *r, srv_resp *s) { return res_list(&K, r, s); }             \
    static int h_get_##name(srv_req *r, srv_resp *s) { return res_get(&K, r, s); }               \
    static int h_update_##name(srv_req *r, srv_resp *s) { return res_update(&K, r, s); }         \
    static int h_delete_##name(srv_req *r, srv_resp *s) { return res_delete(&K, r, s); }
KIND_HANDLERS(secret, SECRETS)
KIND_HANDLERS(variable, VARIABLES)
KIND_HANDLERS(file, FILES)

/* ---------------------------------------------------------------- volumes */

static json_t *volume_json(sqlite3_stmt *st)
{
    pocketenv_volume v = { (char *)sqlite3_column_text(st, 0), (char *)sqlite3_column_text(st, 1),
                           (char *)sqlite3_column_text(st, 2), (char *)sqlite3_column_text(st, 3),
                           (char *)sqlite3_column_text(st, 4) };
    json_t *o = pe_encode(&pe_type_volume, &v);
    json_object_set_new(o, "readOnly", json_boolean(sqlite3_column_int(st, 5)));
    return o;
}

#define VOLUME_COLS "SELECT id, name, path, created_at, updated_at, read_only FROM volumes "

static int h_add_volume(srv_req *r, srv_resp *resp)
{
    json_t *v = json_object_get(r->input, "volume");
    char *sid = NULL;
    if (!json_is_object(v))
        return missing_field(resp, NULL, "volume");
    if (!str_of(v, "name"))
        return missing_field(resp, "volume", "name");
    const char *path = str_of(v, "path");
    if (path && path[0] != '/')
        return srv_error(resp, 400, "InvalidRequest", "Input/volume/path must be an absolute path");
    if (own_sandbox(r, resp, str_of(v, "sandboxId"), &sid))
        return 0;
    char *id = srv_new_id("vol_"), *now = srv_now_iso();
    int n = db_run("INSERT INTO volumes (id, sandbox_id, owner_did, name, path, read_only, created_at, updated_at) "
                   "VALUES (?,?,?,?,?,?,?,?)", "sssssiss", id, sid, r->user->did, str_of(v, "name"), path,
                   (int64_t)json_is_true(json_object_get(v, "readOnly")), now, now);
    write_answer(resp, n == 0 ? -1 : n, NULL, "A volume is already mounted at that path");
    free(id);
    free(now);
    free(sid);
    return 0;
}

static int h_list_volumes(srv_req *r, srv_resp *resp)
{
    char *sid = NULL;
    if (own_sandbox(r, resp, srv_param(r, "sandboxId"), &sid))
        return 0;
    json_t *arr = json_array();
    sqlite3_stmt *st = db_prep(VOLUME_COLS "WHERE owner_did = ? AND (? IS NULL OR sandbox_id = ?) ORDER BY created_at",
                               "sss", r->user->did, sid, sid);
    while (st && sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(arr, volume_json(st));
    sqlite3_finalize(st);
    free(sid);
    return srv_json(resp, 200, json_pack("{s:o, s:I}", "volumes", arr, "total", (json_int_t)json_array_size(arr)));
}

static int h_get_volume(srv_req *r, srv_resp *resp)
{
    sqlite3_stmt *st = db_prep(VOLUME_COLS "WHERE id = ? AND owner_did = ?", "ss", srv_param(r, "id"), r->user->did);
    if (st && sqlite3_step(st) == SQLITE_ROW)
        srv_json(resp, 200, json_pack("{s:o}", "volume", volume_json(st)));
    else
        srv_json(resp, 200, json_object());
    sqlite3_finalize(st);
    return 0;
}

static int h_update_volume(srv_req *r, srv_resp *resp)
{
    json_t *v = json_object_get(r->input, "volume");
    const char *id = str_of(r->input, "id");
    if (!id)
        return missing_field(resp, NULL, "id");
    if (!json_is_object(v) || !str_of(v, "name"))
        return missing_field(resp, "volume", "name");
    char *now = srv_now_iso();
    int n = db_run("UPDATE volumes SET name = ?, path = coalesce(?, path), read_only = ?, updated_at = ? "
                   "WHERE id = ? AND owner_did = ?", "ssisss", str_of(v, "name"), str_of(v, "path"),
                   (int64_t)json_is_true(json_object_get(v, "readOnly")), now, id, r->user->did);
    free(now);
    return write_answer(resp, n, "Volume not found", "A volume is already mounted at that path");
}

static int h_delete_volume(srv_req *r, srv_resp *resp)
{
    const char *id = srv_param(r, "id");
    int n = db_run("DELETE FROM volumes WHERE id = ? AND owner_did = ?", "ss", id, r->user->did);
    if (n == 1) {
        char *dir = pe_strprintf("%s/volumes/%s", g_cfg.state_dir, id);
        if (dir)
            pe_rmtree(dir);
        free(dir);
    }
    return write_answer(resp, n, NULL, NULL); /* like the platform: deleting nothing is fine */
}

/* ---------------------------------------------------------------- services */

#define SERVICE_COLS "SELECT s.id, s.name, s.description, s.command, s.status, s.created_at, s.ports, s.sandbox_id, s.pid FROM services s JOIN sandboxes b ON b.id = s.sandbox_id "

static json_t *service_json(sqlite3_stmt *st)
{
    pocketenv_service sv = { (char *)sqlite3_column_text(st, 0), (char *)sqlite3_column_text(st, 1),
                             (char *)sqlite3_column_text(st, 2), (char *)sqlite3_column_text(st, 3),
                             (char *)sqlite3_column_text(st, 4), (char *)sqlite3_column_text(st, 5), NULL, 0 };
    json_t *o = pe_encode(&pe_type_service, &sv);
    json_t *ports = sqlite3_column_text(st, 6) ? json_loads((const char *)sqlite3_column_text(st, 6), 0, NULL) : NULL;
    json_object_set_new(o, "ports", ports ? ports : json_array());
    return o;
}

/* Stops a service's process group: SIGTERM, a grace period, then SIGKILL. */
static void service_stop_pid(const srv_sandbox *s, int64_t pid)
{
    if (pid <= 1 || !rt_alive((pid_t)s->init_pid, s->init_start))
        return;
    rt_signal(s->pub.id, (int32_t)pid, SIGTERM);
    usleep(50000);
    rt_signal(s->pub.id, (int32_t)pid, SIGKILL);
}

/* Starts one service in its running sandbox; returns 0 on success. */
static int service_launch(const srv_sandbox *s, const char *svc_id, const char *command, const char *ports_json)
{
    char *argv[] = { "/bin/sh", "-c", (char *)command, NULL };
    int32_t pid;
    int rc = srv_sandbox_spawn(s, argv, "services.log", &pid);
    if (!rc) {
        db_run("UPDATE services SET status = 'RUNNING', pid = ? WHERE id = ?", "is", (int64_t)pid, svc_id);
        json_t *ports = ports_json ? json_loads(ports_json, 0, NULL) : NULL;
        for (size_t i = 0; i < json_array_size(ports); i++) {
            json_int_t p = json_integer_value(json_array_get(ports, i));
            char *url = srv_preview_url(p);
            db_run("INSERT OR IGNORE INTO ports (sandbox_id, port, description, preview_url) VALUES (?,?,?,?)", "siss",
                   s->pub.id, (int64_t)p, "service", url);
            free(url);
        }
        json_decref(ports);
    }
    return rc;
}

void srv_services_start_all(srv_sandbox *s)
{
    sqlite3_stmt *st = db_prep("SELECT id, command, ports FROM services WHERE sandbox_id = ?", "s", s->pub.id);
    while (st && sqlite3_step(st) == SQLITE_ROW)
        service_launch(s, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
                       (const char *)sqlite3_column_text(st, 2));
    sqlite3_finalize(st);
}

/* Validates {service: {name, command, description?, ports?}}; ports_out: JSON text or NULL. */
static int read_service(srv_req *r, srv_resp *resp, json_t **svc, char **ports_out)
{
    *svc = json_object_get(r->input, "service");
    *ports_out = NULL;
    if (!json_is_object(*svc))
        return missing_field(resp, NULL, "service"), -1;
    if (!str_of(*svc, "name"))
        return missing_field(resp, "service", "name"), -1;
    if (!str_of(*svc, "command"))
        return missing_field(resp, "service", "command"), -1;
    json_t *ports = json_object_get(*svc, "ports");
    for (size_t i = 0; i < json_array_size(ports); i++) {
        json_int_t p = json_integer_value(json_array_get(ports, i));
        if (!json_is_integer(json_array_get(ports, i)) || p < 1 || p > 65535)
            return srv_error(resp, 400, "InvalidRequest", "Input/service/ports must be integers from 1 to 65535"), -1;
    }
    if (json_is_array(ports))
        *ports_out = json_dumps(ports, JSON_COMPACT);
    return 0;
}

static int h_add_service(srv_req *r, srv_resp *resp)
{
    json_t *svc;
    char *ports = NULL;
    srv_sandbox s;
    if (read_service(r, resp, &svc, &ports))
        return 0;
    if (!srv_sandbox_find(r, srv_param(r, "sandboxId"), &s)) {
        free(ports);
        return srv_error(resp, 404, "XRPCNotSupported", "Sandbox not found");
    }
    char *id = srv_new_id("svc_"), *now = srv_now_iso();
    int n = db_run("INSERT INTO services (id, sandbox_id, name, command, description, ports, created_at) VALUES (?,?,?,?,?,?,?)",
                   "sssssss", id, s.pub.id, str_of(svc, "name"), str_of(svc, "command"), str_of(svc, "description"),
                   ports, now);
    if (n == 1 && s.pub.status == POCKETENV_STATUS_RUNNING && rt_alive((pid_t)s.init_pid, s.init_start))
        service_launch(&s, id, str_of(svc, "command"), ports);
    write_answer(resp, n == 0 ? -1 : n, NULL, "A service with that name already exists in this sandbox");
    free(id);
    free(now);
    free(ports);
    srv_sandbox_free(&s);
    return 0;
}

static int h_list_services(srv_req *r, srv_resp *resp)
{
    srv_sandbox s;
    json_t *arr = json_array();
    if (srv_sandbox_find(r, srv_param(r, "sandboxId"), &s)) {
        sqlite3_stmt *st = db_prep(SERVICE_COLS "WHERE s.sandbox_id = ? ORDER BY s.created_at", "s", s.pub.id);
        while (st && sqlite3_step(st) == SQLITE_ROW)
            json_array_append_new(arr, service_json(st));
        sqlite3_finalize(st);
        srv_sandbox_free(&s);
    }
    return srv_json(resp, 200, json_pack("{s:o, s:I}", "services", arr, "total", (json_int_t)json_array_size(arr)));
}

/* Loads the service named by ?serviceId= owned by the caller, with its sandbox. */
static int find_service(srv_req *r, srv_resp *resp, srv_sandbox *s, char **command, char **ports, int64_t *pid)
{
    sqlite3_stmt *st = db_prep(SERVICE_COLS "WHERE s.id = ? AND b.owner_did = ?", "ss", srv_param(r, "serviceId"),
                               r->user->did);
    int found = st && sqlite3_step(st) == SQLITE_ROW;
    char *sid = found ? db_col_str(st, 7) : NULL;
    if (found) {
        *command = db_col_str(st, 3);
        *ports = db_col_str(st, 6);
        *pid = db_col_int(st, 8);
    }
    sqlite3_finalize(st);
    found = found && srv_sandbox_load(sid, s);
    free(sid);
    if (!found)
        srv_error(resp, 404, "XRPCNotSupported", "Service not found");
    return found;
}

typedef enum { SVC_START, SVC_STOP, SVC_RESTART, SVC_DELETE } svc_action;

static int service_action(srv_req *r, srv_resp *resp, svc_action a)
{
    srv_sandbox s;
    char *command = NULL, *ports = NULL;
    int64_t pid = POCKETENV_NONE;
    if (!find_service(r, resp, &s, &command, &ports, &pid))
        return 0;
    const char *id = srv_param(r, "serviceId");
    bool running = s.pub.status == POCKETENV_STATUS_RUNNING && rt_alive((pid_t)s.init_pid, s.init_start);
    if (a != SVC_START) {
        service_stop_pid(&s, pid);
        db_run("UPDATE services SET status = 'STOPPED', pid = NULL WHERE id = ?", "s", id);
    }
    if (a == SVC_DELETE) {
        json_t *pj = ports ? json_loads(ports, 0, NULL) : NULL;
        for (size_t i = 0; i < json_array_size(pj); i++)
            db_run("DELETE FROM ports WHERE sandbox_id = ? AND port = ? AND description = 'service'", "si", s.pub.id,
                   (int64_t)json_integer_value(json_array_get(pj, i)));
        json_decref(pj);
        db_run("DELETE FROM services WHERE id = ?", "s", id);
        srv_empty(resp);
    } else if ((a == SVC_START && pid > 0 && running) || a == SVC_STOP) {
        srv_empty(resp); /* already running / stopped */
    } else if (!running) {
        srv_error(resp, 400, "InvalidRequest", "Sandbox is not running");
    } else if (service_launch(&s, id, command, ports) != 0) {
        srv_error(resp, 500, "InternalServerError", "Internal Server Error");
    } else {
        srv_empty(resp);
    }
    free(command);
    free(ports);
    srv_sandbox_free(&s);
    return 0;
}

static int h_start_service(srv_req *r, srv_resp *resp) { return service_action(r, resp, SVC_START); }
static int h_stop_service(srv_req *r, srv_resp *resp) { return service_action(r, resp, SVC_STOP); }
static int h_restart_service(srv_req *r, srv_resp *resp) { return service_action(r, resp, SVC_RESTART); }
static int h_delete_service(srv_req *r, srv_resp *resp) { return service_action(r, resp, SVC_DELETE); }

static int h_update_service(srv_req *r, srv_resp *resp)
{
    json_t *svc;
    char *ports = NULL;
    if (read_service(r, resp, &svc, &ports))
        return 0;
    int n = db_run("UPDATE services SET name = ?, command = ?, description = ?, ports = coalesce(?, ports) "
                   "WHERE id = ? AND sandbox_id IN (SELECT id FROM sandboxes WHERE owner_did = ?)",
                   "ssssss", str_of(svc, "name"), str_of(svc, "command"), str_of(svc, "description"), ports,
                   srv_param(r, "serviceId"), r->user->did);
    free(ports);
    return write_answer(resp, n, "Service not found", "A service with that name already exists in this sandbox");
}

/* ---------------------------------------------------------------- actor */

static int h_profile(srv_req *r, srv_resp *resp)
{
    srv_user u;
    const char *did = srv_param(r, "did");
    int found = did ? srv_user_by_actor(did, &u) : (r->user ? srv_user_by_actor(r->user->did, &u) : 0);
    if (!found) {
        srv_user_free(&u);
        return srv_json(resp, 200, json_object()); /* the platform answers {} for every failure */
    }
    pocketenv_profile p = { u.id, u.did, u.handle, u.display_name, NULL, u.created_at, u.updated_at };
    srv_json(resp, 200, pe_encode(&pe_type_profile, &p));
    srv_user_free(&u);
    return 0;
}

static int h_terminal_token(srv_req *r, srv_resp *resp)
{
    (void)r;
    char *t = srv_uuid4(); /* there is no terminal service locally; the token is opaque */
    srv_json(resp, 200, json_pack("{s:s}", "token", t ? t : ""));
    free(t);
    return 0;
}

#define NP { NULL, NULL, NULL }
#define IDP { "id", NULL, NULL }
#define SVP { "serviceId", NULL, NULL }
const srv_route srv_resource_routes[] = {
    { "io.pocketenv.actor.getProfile", 0, 0, 0, h_profile, NP },
    { "io.pocketenv.actor.getTerminalToken", 0, 0, 1, h_terminal_token, NP },
    { "io.pocketenv.secret.addSecret", 1, 1, 1, h_add_secret, NP },
    { "io.pocketenv.secret.getSecrets", 0, 0, 1, h_list_secret, NP },
    { "io.pocketenv.secret.getSecret", 0, 0, 1, h_get_secret, IDP },
    { "io.pocketenv.secret.updateSecret", 1, 1, 1, h_update_secret, NP },
    { "io.pocketenv.secret.deleteSecret", 1, 0, 1, h_delete_secret, IDP },
    { "io.pocketenv.variable.addVariable", 1, 1, 1, h_add_variable, NP },
    { "io.pocketenv.variable.getVariables", 0, 0, 1, h_list_variable, NP },
    { "io.pocketenv.variable.getVariable", 0, 0, 1, h_get_variable, IDP },
    { "io.pocketenv.variable.updateVariable", 1, 1, 1, h_update_variable, NP },
    { "io.pocketenv.variable.deleteVariable", 1, 0, 1, h_delete_variable, IDP },
    { "io.pocketenv.file.addFile", 1, 1, 1, h_add_file, NP },
    { "io.pocketenv.file.getFiles", 0, 0, 1, h_list_file, NP },
    { "io.pocketenv.file.getFile", 0, 0, 1, h_get_file, IDP },
    { "io.pocketenv.file.updateFile", 1, 1, 1, h_update_file, NP },
    { "io.pocketenv.file.deleteFile", 1, 0, 1, h_delete_file, IDP },
    { "io.pocketenv.volume.addVolume", 1, 1, 1, h_add_volume, NP },
    { "io.pocketenv.volume.getVolumes", 0, 0, 1, h_list_volumes, NP },
    { "io.pocketenv.volume.getVolume", 0, 0, 1, h_get_volume, IDP },
    { "io.pocketenv.volume.updateVolume", 1, 1, 1, h_update_volume, NP },
    { "io.pocketenv.volume.deleteVolume", 1, 0, 1, h_delete_volume, IDP },
    { "io.pocketenv.service.addService", 1, 1, 1, h_add_service, { "sandboxId", NULL, NULL } },
    { "io.pocketenv.service.getServices", 0, 0, 1, h_list_services, { "sandboxId", NULL, NULL } },
    { "io.pocketenv.service.updateService", 1, 1, 1, h_update_service, SVP },
    { "io.pocketenv.service.startService", 1, 0, 1, h_start_service, SVP },
    { "io.pocketenv.service.stopService", 1, 0, 1, h_stop_service, SVP },
    { "io.pocketenv.service.restartService", 1, 0, 1, h_restart_service, SVP },
    { "io.pocketenv.service.deleteService", 1, 0, 1, h_delete_service, SVP },
};
const size_t srv_resource_routes_count = sizeof srv_resource_routes / sizeof *srv_resource_routes;
