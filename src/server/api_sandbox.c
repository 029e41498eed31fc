/* io.pocketenv.sandbox.* and io.pocketenv.actor.* handlers. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../lib/archive_int.h"
#include "server.h"

static pthread_mutex_t lifecycle_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *PROVIDERS[] = { "daytona", "vercel", "cloudflare", "deno", "sprites", "modal",
                                   "e2b", "blaxel", "hopx", "runloop", "local" };

/* ---------------------------------------------------------------- loading */

#define SANDBOX_COLS                                                                                   \
    "SELECT id, name, owner_did, provider, base, display_name, description, topics, repo, logo, readme, " \
    "installs, uri, vcpus, memory, disk, status, keep_alive, created_at, started_at, init_pid, init_start " \
    "FROM sandboxes "

void srv_sandbox_free(srv_sandbox *s)
{
    if (!s)
        return;
    pe_free_members(&pe_type_sandbox, &s->pub);
    free(s->owner_did);
    memset(s, 0, sizeof *s);
}

static void load_topics(srv_sandbox *s, const char *json)
{
    json_t *arr = json ? json_loads(json, 0, NULL) : NULL;
    size_t n = json_array_size(arr);
    if (n && (s->pub.topics = calloc(n, sizeof(char *)))) {
        for (size_t i = 0; i < n; i++)
            if (json_is_string(json_array_get(arr, i)))
                s->pub.topics[s->pub.topics_count++] = strdup(json_string_value(json_array_get(arr, i)));
    }
    json_decref(arr);
}

static void load_owner(srv_sandbox *s)
{
    srv_user u;
    if (!s->owner_did || !srv_user_by_actor(s->owner_did, &u)) {
        srv_user_free(&u);
        return;
    }
    pocketenv_profile *p = calloc(1, sizeof *p);
    if (p) {
        p->id = u.id;
        p->did = u.did;
        p->handle = u.handle;
        p->display_name = u.display_name;
        p->created_at = u.created_at;
        p->updated_at = u.updated_at;
        memset(&u, 0, sizeof u); /* moved into the profile */
        s->pub.owner = p;
    }
    srv_user_free(&u);
}

/* Reads the current row of st into out; returns 1 when there was a row. */
static int read_sandbox(sqlite3_stmt *st, srv_sandbox *out)
{
    memset(out, 0, sizeof *out);
    if (!st || sqlite3_step(st) != SQLITE_ROW)
        return 0;
    pocketenv_sandbox *p = &out->pub;
    p->id = db_col_str(st, 0);
    p->name = db_col_str(st, 1);
    out->owner_did = db_col_str(st, 2);
    p->provider = db_col_str(st, 3);
    p->base_sandbox = db_col_str(st, 4);
    p->display_name = db_col_str(st, 5);
    p->description = db_col_str(st, 6);
    char *topics = db_col_str(st, 7);
    load_topics(out, topics);
    free(topics);
    p->repo = db_col_str(st, 8);
    p->logo = db_col_str(st, 9);
    p->readme = db_col_str(st, 10);
    p->installs = db_col_int(st, 11);
    p->uri = db_col_str(st, 12);
    p->vcpus = db_col_int(st, 13);
    p->memory = db_col_int(st, 14);
    p->disk = db_col_int(st, 15);
    p->status_raw = db_col_str(st, 16);
    p->status = pocketenv_status_from_string(p->status_raw);
    out->keep_alive = (int)db_col_int(st, 17);
    p->created_at = db_col_str(st, 18);
    p->started_at = db_col_str(st, 19);
    out->init_pid = db_col_int(st, 20);
    out->init_start = db_col_int(st, 21);
    load_owner(out);
    return 1;
}

static int load_one(sqlite3_stmt *st, srv_sandbox *out)
{
    int found = read_sandbox(st, out);
    sqlite3_finalize(st);
    return found;
}

int srv_sandbox_load(const char *id, srv_sandbox *out)
{
    return load_one(db_prep(SANDBOX_COLS "WHERE id = ?", "s", id), out);
}

int srv_sandbox_find(srv_req *r, const char *ident, srv_sandbox *out)
{
    memset(out, 0, sizeof *out);
    if (!ident || !load_one(db_prep(SANDBOX_COLS "WHERE id = ? OR name = ? OR uri = ?", "sss", ident, ident, ident), out))
        return 0;
    /* Owners only; ownerless sandboxes (none are created locally) are open to all. */
    if (out->owner_did && (!r->user || strcmp(out->owner_did, r->user->did) != 0)) {
        srv_sandbox_free(out);
        return 0;
    }
    return 1;
}

/* Records activity for the idle sweep. Written at most every 10 s per sandbox: a write per exec
 * would serialize concurrent execs on SQLite's write lock for nothing. */
static struct {
    char id[48];
    time_t at;
} recent_touch[256];
static pthread_mutex_t touch_lock = PTHREAD_MUTEX_INITIALIZER;

/* Notes that the database holds a fresh last_active for id; returns 1 if it already did. */
static int touch_cached(const char *sandbox_id, time_t now)
{
    unsigned h = 5381;
    for (const char *p = sandbox_id; *p; p++)
        h = h * 33 + (unsigned char)*p;
    pthread_mutex_lock(&touch_lock);
    int fresh = !strcmp(recent_touch[h % 256].id, sandbox_id) && now - recent_touch[h % 256].at < 10;
    if (!fresh) {
        snprintf(recent_touch[h % 256].id, sizeof recent_touch[h % 256].id, "%s", sandbox_id);
        recent_touch[h % 256].at = now;
    }
    pthread_mutex_unlock(&touch_lock);
    return fresh;
}

void srv_touch(const char *sandbox_id)
{
    time_t now = time(NULL);
    if (!touch_cached(sandbox_id, now))
        db_run("UPDATE sandboxes SET last_active = ? WHERE id = ?", "is", (int64_t)now, sandbox_id);
}

static bool is_running(const srv_sandbox *s)
{
    return s->pub.status == POCKETENV_STATUS_RUNNING && rt_alive((pid_t)s->init_pid, s->init_start);
}

/* ---------------------------------------------------------------- environment and exec helpers */

void srv_env_free(char **env)
{
    for (size_t i = 0; env && env[i]; i++)
        free(env[i]);
    free(env);
}

static int env_push(char ***env, size_t *n, char *entry)
{
    if (!entry)
        return -1;
    char **e = realloc(*env, (*n + 2) * sizeof *e);
    if (!e) {
        free(entry);
        return -1;
    }
    e[(*n)++] = entry;
    e[*n] = NULL;
    *env = e;
    return 0;
}

char **srv_sandbox_env(const srv_sandbox *s)
{
    char **env = NULL;
    size_t n = 0;
    env_push(&env, &n, strdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
    env_push(&env, &n, strdup("HOME=/root"));
    env_push(&env, &n, strdup("USER=root"));
    env_push(&env, &n, strdup("LANG=C.UTF-8"));
    env_push(&env, &n, strdup("TERM=xterm-256color"));
    env_push(&env, &n, pe_strprintf("POCKETENV_SANDBOX=%s", s->pub.name));
    sqlite3_stmt *st = db_prep("SELECT name, value FROM variables WHERE sandbox_id = ? ORDER BY created_at", "s", s->pub.id);
    while (st && sqlite3_step(st) == SQLITE_ROW)
        env_push(&env, &n, pe_strprintf("%s=%s", sqlite3_column_text(st, 0), sqlite3_column_text(st, 1)));
    sqlite3_finalize(st);
    st = db_prep("SELECT name, sealed FROM secrets WHERE sandbox_id = ? ORDER BY created_at", "s", s->pub.id);
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        char *plain = pocketenv_unseal(g_cfg.public_key, g_cfg.secret_key, (const char *)sqlite3_column_text(st, 1), NULL);
        if (plain)
            env_push(&env, &n, pe_strprintf("%s=%s", sqlite3_column_text(st, 0), plain));
        free(plain);
    }
    sqlite3_finalize(st);
    return env;
}

/* Runs argv in the sandbox with default options; stdin from in_fd (or none). */
static int sandbox_run(const srv_sandbox *s, char *const argv[], int in_fd, int out_fd, long timeout_ms,
                       rt_exec_result *res)
{
    char **env = srv_sandbox_env(s);
    rt_exec_opts o = { env, "/root", timeout_ms, g_cfg.output_limit, in_fd, out_fd, false, NULL };
    int rc = rt_exec(s->pub.id, argv, &o, res);
    srv_env_free(env);
    return rc;
}

int srv_sandbox_spawn(const srv_sandbox *s, char *const argv[], const char *log_name, int32_t *pid)
{
    char **env = srv_sandbox_env(s);
    char *log = rt_sandbox_dir(s->pub.id, log_name);
    rt_exec_opts o = { env, "/workspace", 0, 0, -1, -1, true, log };
    rt_exec_result res;
    int rc = rt_exec(s->pub.id, argv, &o, &res);
    if (!rc)
        *pid = res.pid;
    free(log);
    srv_env_free(env);
    return rc;
}

/* A memory file holding text (for feeding content to a command without a pipe deadlock). */
static int memfd_with(const char *text, size_t len)
{
    int fd = memfd_create("pocketenv-input", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    if (write(fd, text, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Writes content to path inside the sandbox (parents created). */
static int write_in_sandbox(const srv_sandbox *s, const char *path, const char *content, size_t len, bool append)
{
    int fd = memfd_with(content, len);
    if (fd < 0)
        return -1;
    char *argv[] = { "/bin/sh", "-c",
                     append ? "mkdir -p -- \"$(dirname -- \"$1\")\" && cat >> \"$1\""
                            : "mkdir -p -- \"$(dirname -- \"$1\")\" && cat > \"$1\"",
                     "sh", (char *)path, NULL };
    rt_exec_result res;
    int rc = sandbox_run(s, argv, fd, -1, 30000, &res);
    if (!rc && res.exit_code != 0) {
        srv_log("sandbox %s: cannot write %s: %s", s->pub.id, path, res.err);
        rc = -1;
    }
    rt_exec_result_free(&res);
    close(fd);
    return rc;
}

/* Files and SSH keys land in the sandbox at start (decrypted here, never stored in plain). */
static void provision(const srv_sandbox *s)
{
    sqlite3_stmt *st = db_prep("SELECT path, sealed FROM files WHERE sandbox_id = ?", "s", s->pub.id);
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        size_t len = 0;
        char *plain = pocketenv_unseal(g_cfg.public_key, g_cfg.secret_key, (const char *)sqlite3_column_text(st, 1), &len);
        if (plain) {
            char *with_nl = pe_strprintf("%s\n", plain); /* the platform appends a newline */
            if (with_nl)
                write_in_sandbox(s, (const char *)sqlite3_column_text(st, 0), with_nl, len + 1, false);
            free(with_nl);
        }
        free(plain);
    }
    sqlite3_finalize(st);
    st = db_prep("SELECT public_key FROM ssh_keys WHERE sandbox_id = ?", "s", s->pub.id);
    if (st && sqlite3_step(st) == SQLITE_ROW) {
        char *line = pe_strprintf("%s\n", sqlite3_column_text(st, 0));
        if (line)
            write_in_sandbox(s, "/root/.ssh/authorized_keys", line, strlen(line), false);
        free(line);
    }
    sqlite3_finalize(st);
}

/* ---------------------------------------------------------------- lifecycle */

static int prepare_dirs(const char *id)
{
    static const char *subs[] = { "home", "workspace", "tmp" };
    int rc = 0;
    for (size_t i = 0; i < 3 && !rc; i++) {
        char *d = rt_sandbox_dir(id, subs[i]);
        rc = !d || srv_mkdirs(d, 0755) != 0 || chown(d, g_cfg.uid_base, g_cfg.uid_base) != 0 ||
             (i == 2 && chmod(d, 01777) != 0);
        free(d);
    }
    return rc;
}

static void add_mount(rt_mount **m, size_t *n, char *src, const char *target, bool ro)
{
    rt_mount *x = realloc(*m, (*n + 1) * sizeof *x);
    if (!x || !src) {
        free(src);
        return;
    }
    *m = x;
    x[*n].source = src;
    x[*n].target = strdup(target);
    x[*n].read_only = ro;
    if (!x[*n].target)
        free(src);
    else
        (*n)++;
}

static int boot(srv_sandbox *s)
{
    rt_mount *mounts = NULL;
    size_t n = 0;
    if (prepare_dirs(s->pub.id) != 0) {
        srv_log("sandbox %s: cannot create its directories: %s", s->pub.id, strerror(errno));
        return -1;
    }
    add_mount(&mounts, &n, rt_sandbox_dir(s->pub.id, "home"), "/root", false);
    add_mount(&mounts, &n, rt_sandbox_dir(s->pub.id, "workspace"), "/workspace", false);
    add_mount(&mounts, &n, rt_sandbox_dir(s->pub.id, "tmp"), "/tmp", false);
    sqlite3_stmt *st = db_prep("SELECT id, path, read_only FROM volumes WHERE sandbox_id = ? AND path IS NOT NULL "
                               "ORDER BY length(path)", "s", s->pub.id);
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        char *dir = pe_strprintf("%s/volumes/%s", g_cfg.state_dir, sqlite3_column_text(st, 0));
        if (dir && srv_mkdirs(dir, 0755) == 0 && chown(dir, g_cfg.uid_base, g_cfg.uid_base) == 0)
            add_mount(&mounts, &n, dir, (const char *)sqlite3_column_text(st, 1), sqlite3_column_int(st, 2) != 0);
        else
            free(dir);
    }
    sqlite3_finalize(st);
    rt_spec spec = { s->pub.id, s->pub.name, mounts, n,
                     (s->pub.memory > 0 ? s->pub.memory : 2) * 1024LL * 1024 * 1024,
                     s->pub.vcpus > 0 ? s->pub.vcpus : 0, g_cfg.max_pids };
    pid_t pid = 0;
    int64_t start = 0;
    int rc = rt_start(&spec, &pid, &start);
    for (size_t i = 0; i < n; i++) {
        free(mounts[i].source);
        free(mounts[i].target);
    }
    free(mounts);
    if (rc)
        return rc;
    char *now = srv_now_iso();
    time_t booted = time(NULL);
    db_run("UPDATE sandboxes SET status = 'RUNNING', started_at = ?, init_pid = ?, init_start = ?, last_active = ? "
           "WHERE id = ?", "siiis", now, (int64_t)pid, start, (int64_t)booted, s->pub.id);
    touch_cached(s->pub.id, booted); /* last_active was just written */
    free(now);
    s->init_pid = pid;
    s->init_start = start;
    free(s->pub.status_raw);
    s->pub.status_raw = strdup("RUNNING");
    s->pub.status = POCKETENV_STATUS_RUNNING;
    provision(s);
    srv_services_start_all(s);
    return 0;
}

int srv_sandbox_stop_internal(srv_sandbox *s)
{
    rt_stop(s->pub.id, (pid_t)s->init_pid, s->init_start);
    db_run("UPDATE sandboxes SET status = 'STOPPED', init_pid = NULL, init_start = NULL WHERE id = ?", "s", s->pub.id);
    db_run("UPDATE services SET status = 'STOPPED', pid = NULL WHERE sandbox_id = ?", "s", s->pub.id);
    free(s->pub.status_raw);
    s->pub.status_raw = strdup("STOPPED");
    s->pub.status = POCKETENV_STATUS_STOPPED;
    return 0;
}

void srv_reconcile_sandboxes(void)
{
    sqlite3_stmt *st = db_prep(SANDBOX_COLS "WHERE status IN ('RUNNING', 'INITIALIZING')", NULL);
    srv_sandbox s;
    int fixed = 0, adopted = 0;
    while (read_sandbox(st, &s)) {
        if (s.pub.status == POCKETENV_STATUS_RUNNING && rt_alive((pid_t)s.init_pid, s.init_start)) {
            adopted++;
        } else {
            srv_sandbox_stop_internal(&s);
            fixed++;
        }
        srv_sandbox_free(&s);
    }
    sqlite3_finalize(st);
    if (fixed || adopted)
        srv_log("restart: %d sandbox(es) still running, %d found dead and marked STOPPED", adopted, fixed);
}

void srv_stop_all_sandboxes(void)
{
    sqlite3_stmt *st = db_prep(SANDBOX_COLS "WHERE status = 'RUNNING'", NULL);
    srv_sandbox s;
    while (read_sandbox(st, &s)) {
        pthread_mutex_lock(&lifecycle_lock);
        srv_sandbox_stop_internal(&s);
        pthread_mutex_unlock(&lifecycle_lock);
        srv_sandbox_free(&s);
    }
    sqlite3_finalize(st);
}

void srv_idle_sweep(void)
{
    if (g_cfg.idle_timeout_s <= 0)
        return;
    sqlite3_stmt *st = db_prep(SANDBOX_COLS "WHERE status = 'RUNNING' AND keep_alive = 0 AND last_active < ?", "i",
                               (int64_t)time(NULL) - g_cfg.idle_timeout_s);
    srv_sandbox s;
    while (read_sandbox(st, &s)) {
        pthread_mutex_lock(&lifecycle_lock);
        srv_log("sandbox %s idle for %ld s: stopping it", s.pub.name, g_cfg.idle_timeout_s);
        srv_sandbox_stop_internal(&s);
        pthread_mutex_unlock(&lifecycle_lock);
        srv_sandbox_free(&s);
    }
    sqlite3_finalize(st);
}

/* ---------------------------------------------------------------- input helpers */

static const char *in_str(srv_req *r, const char *key) { return json_string_value(json_object_get(r->input, key)); }

static int missing_input(srv_resp *resp, const char *path)
{
    return srv_error(resp, 400, "InvalidRequest", "Input must have the property \"%s\"", path);
}

/* Integer input within [min, max]; returns 0 ok (value or NONE in *out), or writes a 400. */
static int in_int(srv_req *r, srv_resp *resp, const char *key, int64_t min, int64_t max, int64_t *out)
{
    json_t *v = json_object_get(r->input, key);
    *out = POCKETENV_NONE;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v))
        return srv_error(resp, 400, "InvalidRequest", "Input/%s must be an integer", key), -1;
    *out = json_integer_value(v);
    if (*out < min)
        return srv_error(resp, 400, "InvalidRequest", "Input/%s can not be less than %lld", key, (long long)min), -1;
    if (*out > max)
        return srv_error(resp, 400, "InvalidRequest", "Input/%s can not be greater than %lld", key, (long long)max), -1;
    return 0;
}

static int not_found(srv_resp *resp, const char *name) { return srv_error(resp, 404, name, "Sandbox not found"); }

/* Looks up the sandbox named by param `key`; writes a 404 and returns 0 when absent. */
static int need_sandbox(srv_req *r, srv_resp *resp, const char *ident, const char *err_name, srv_sandbox *s)
{
    if (srv_sandbox_find(r, ident, s))
        return 1;
    not_found(resp, err_name);
    return 0;
}

static int need_running(srv_resp *resp, srv_sandbox *s)
{
    if (is_running(s))
        return 1;
    srv_error(resp, 400, "InvalidRequest", "Sandbox is not running");
    return 0;
}

/* ---------------------------------------------------------------- handlers: lifecycle */

static const char *base_key(const char *base)
{
    const char *slash = strrchr(base, '/');
    return slash ? slash + 1 : base;
}

static int h_create(srv_req *r, srv_resp *resp)
{
    const char *base = in_str(r, "base"), *name = in_str(r, "name"), *provider = in_str(r, "provider");
    int64_t vcpus, memory, disk;
    if (!base || !*base)
        return missing_input(resp, "base");
    if (in_int(r, resp, "vcpus", 1, 64, &vcpus) || in_int(r, resp, "memory", 1, 1024, &memory) ||
        in_int(r, resp, "disk", 3, 100000, &disk))
        return 0;
    if (provider) {
        size_t i = 0;
        while (i < sizeof PROVIDERS / sizeof *PROVIDERS && strcmp(PROVIDERS[i], provider))
            i++;
        if (i == sizeof PROVIDERS / sizeof *PROVIDERS)
            return srv_error(resp, 400, "InvalidRequest", "Input/provider must be one of the known providers");
    }
    if (name && !srv_valid_name(name))
        return srv_error(resp, 400, "InvalidRequest", "Input/name must be 1-64 letters, digits, '.', '_' or '-'");
    json_t *topics = json_object_get(r->input, "topics");
    char *topics_text = json_is_array(topics) ? json_dumps(topics, JSON_COMPACT) : NULL;
    char *id = srv_sandbox_id(), *gen = name ? NULL : srv_random_name(), *now = srv_now_iso();
    char *uri = pe_strprintf("at://%s/io.pocketenv.sandbox/%s", r->user->did, id);
    json_t *keep = json_object_get(r->input, "keepAlive");
    pthread_mutex_lock(&lifecycle_lock);
    int n = db_run("INSERT INTO sandboxes (id, name, owner_did, provider, base, description, topics, repo, readme, uri,"
                   " vcpus, memory, disk, status, keep_alive, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,"
                   "'INITIALIZING',?,?)",
                   "ssssssssssiiiis", id, name ? name : gen, r->user->did, provider ? provider : "cloudflare",
                   base_key(base), in_str(r, "description"), topics_text, in_str(r, "repo"), in_str(r, "readme"), uri,
                   vcpus, memory, disk, (int64_t)json_is_true(keep), now);
    srv_sandbox s;
    memset(&s, 0, sizeof s);
    if (n == -2) {
        srv_error(resp, 409, "SandboxNameTaken", "A sandbox named '%s' already exists", name ? name : gen);
    } else if (n != 1 || !srv_sandbox_load(id, &s)) {
        srv_error(resp, 500, "InternalServerError", "Internal Server Error");
    } else if (boot(&s) != 0) {
        db_run("DELETE FROM sandboxes WHERE id = ?", "s", id);
        char *dir = rt_sandbox_dir(id, NULL);
        if (dir)
            pe_rmtree(dir);
        free(dir);
        srv_error(resp, 502, "SandboxProviderError", "Failed to create sandbox with the provider (see the server log)");
    } else {
        json_t *o = pe_encode(&pe_type_sandbox, &s.pub);
        /* createSandbox answers without status and owner, as the platform does */
        json_object_del(o, "status");
        json_object_del(o, "owner");
        json_object_del(o, "startedAt");
        json_object_del(o, "installs");
        srv_json(resp, 200, o);
    }
    pthread_mutex_unlock(&lifecycle_lock);
    srv_sandbox_free(&s);
    free(topics_text);
    free(id);
    free(gen);
    free(now);
    free(uri);
    return 0;
}

static int h_get(srv_req *r, srv_resp *resp)
{
    srv_sandbox s;
    if (!srv_sandbox_find(r, srv_param(r, "id"), &s))
        return srv_json(resp, 200, json_object()); /* the platform's not-found answer */
    json_t *o = json_pack("{s:o}", "sandbox", pe_encode(&pe_type_sandbox, &s.pub));
    srv_sandbox_free(&s);
    return srv_json(resp, 200, o);
}

static int paging(srv_req *r, srv_resp *resp, int64_t def, int64_t *limit, int64_t *offset)
{
    const char *l = srv_param(r, "limit"), *o = srv_param(r, "offset");
    *limit = l ? strtoll(l, NULL, 10) : def;
    *offset = o ? strtoll(o, NULL, 10) : 0;
    if (*limit < 1)
        return srv_error(resp, 400, "InvalidRequest", "Params/limit can not be less than 1"), -1;
    if (*limit > 100)
        return srv_error(resp, 400, "InvalidRequest", "Params/limit can not be greater than 100"), -1;
    if (*offset < 0)
        return srv_error(resp, 400, "InvalidRequest", "Params/offset can not be less than 0"), -1;
    return 0;
}

static int list_sandboxes(srv_resp *resp, const char *owner_did, const char *status_filter, int64_t limit, int64_t offset)
{
    json_t *arr = json_array();
    int64_t total = 0;
    sqlite3_stmt *st = db_prep(SANDBOX_COLS "WHERE owner_did = ? AND (? IS NULL OR status = ?) "
                               "ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
                               "sssii", owner_did, status_filter, status_filter, limit, offset);
    srv_sandbox s;
    while (read_sandbox(st, &s)) {
        json_t *o = pe_encode(&pe_type_sandbox, &s.pub);
        json_object_del(o, "owner");
        json_array_append_new(arr, o);
        srv_sandbox_free(&s);
    }
    sqlite3_finalize(st);
    st = db_prep("SELECT count(*) FROM sandboxes WHERE owner_did = ? AND (? IS NULL OR status = ?)", "sss", owner_did,
                 status_filter, status_filter);
    if (st && sqlite3_step(st) == SQLITE_ROW)
        total = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return srv_json(resp, 200, json_pack("{s:o, s:I}", "sandboxes", arr, "total", (json_int_t)total));
}

static int h_list_catalog(srv_req *r, srv_resp *resp)
{
    int64_t limit, offset;
    if (paging(r, resp, 30, &limit, &offset))
        return 0;
    /* No public catalog exists locally: the caller's own sandboxes are the catalog. */
    if (!r->user)
        return srv_json(resp, 200, json_pack("{s:[], s:i}", "sandboxes", "total", 0));
    return list_sandboxes(resp, r->user->did, NULL, limit, offset);
}

static int h_actor_sandboxes(srv_req *r, srv_resp *resp)
{
    int64_t limit, offset;
    srv_user u;
    if (paging(r, resp, 30, &limit, &offset))
        return 0;
    const char *running = srv_param(r, "isRunning");
    const char *filter = running ? (!strcmp(running, "true") ? "RUNNING" : "STOPPED") : NULL;
    /* Only the actor sees their sandboxes (the platform lists them to anyone). */
    if (!srv_user_by_actor(srv_param(r, "did"), &u) || !r->user || strcmp(u.did, r->user->did) != 0) {
        srv_user_free(&u);
        return srv_json(resp, 200, json_pack("{s:[], s:i}", "sandboxes", "total", 0));
    }
    list_sandboxes(resp, u.did, filter, limit, offset);
    srv_user_free(&u);
    return 0;
}

static int h_start(srv_req *r, srv_resp *resp)
{
    srv_sandbox s;
    if (!need_sandbox(r, resp, srv_param(r, "id"), "SandboxNotFound", &s))
        return 0;
    /* re-read under the lock: another request may have started or stopped it meanwhile */
    pthread_mutex_lock(&lifecycle_lock);
    srv_sandbox_free(&s);
    if (!srv_sandbox_find(r, srv_param(r, "id"), &s)) {
        pthread_mutex_unlock(&lifecycle_lock);
        return not_found(resp, "SandboxNotFound");
    }
    json_t *keep = json_object_get(r->input, "keepAlive");
    if (keep)
        db_run("UPDATE sandboxes SET keep_alive = ? WHERE id = ?", "is", (int64_t)json_is_true(keep), s.pub.id);
    if (in_str(r, "repo"))
        db_run("UPDATE sandboxes SET repo = ? WHERE id = ?", "ss", in_str(r, "repo"), s.pub.id);
    int rc = is_running(&s) ? 0 : boot(&s);
    pthread_mutex_unlock(&lifecycle_lock);
    if (rc)
        srv_error(resp, 500, "InternalServerError", "Internal Server Error");
    else
        srv_json(resp, 200, json_object());
    srv_sandbox_free(&s);
    return 0;
}

static int h_stop(srv_req *r, srv_resp *resp)
{
    srv_sandbox s;
    if (!need_sandbox(r, resp, srv_param(r, "id"), "SandboxNotFound", &s))
        return 0;
    pthread_mutex_lock(&lifecycle_lock);
    srv_sandbox_free(&s);
    if (srv_sandbox_find(r, srv_param(r, "id"), &s))
        srv_sandbox_stop_internal(&s);
    pthread_mutex_unlock(&lifecycle_lock);
    srv_sandbox_free(&s);
    return srv_json(resp, 200, json_object());
}

static int h_delete(srv_req *r, srv_resp *resp)
{
    srv_sandbox s;
    if (!need_sandbox(r, resp, srv_param(r, "id"), "SandboxNotFound", &s))
        return 0;
    pthread_mutex_lock(&lifecycle_lock);
    srv_sandbox_stop_internal(&s);
    static const char *tables[] = { "secrets", "variables", "files", "services", "ports", "ssh_keys", "tailscale_keys" };
    db_begin();
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
        char *sql = pe_strprintf("DELETE FROM %s WHERE sandbox_id = ?", tables[i]);
        if (sql)
            db_run(sql, "s", s.pub.id);
        free(sql);
    }
    db_run("UPDATE volumes SET sandbox_id = NULL WHERE sandbox_id = ?", "s", s.pub.id); /* volumes outlive sandboxes */
    db_run("DELETE FROM sandboxes WHERE id = ?", "s", s.pub.id);
    db_commit();
    char *dir = rt_sandbox_dir(s.pub.id, NULL);
    if (dir)
        pe_rmtree(dir);
    free(dir);
    pthread_mutex_unlock(&lifecycle_lock);
    srv_sandbox_free(&s);
    return srv_json(resp, 200, json_object());
}

static int h_claim(srv_req *r, srv_resp *resp)
{
    (void)r;
    return srv_error(resp, 404, "XRPCNotSupported", "Sandbox not found"); /* no ownerless sandboxes locally */
}

static int h_exec(srv_req *r, srv_resp *resp)
{
    srv_sandbox s;
    const char *cmd = in_str(r, "command");
    if (!cmd)
        return missing_input(resp, "command");
    if (!need_sandbox(r, resp, srv_param(r, "id"), "SandboxNotFound", &s))
        return 0;
    if (need_running(resp, &s)) {
        char *argv[] = { "/bin/sh", "-c", (char *)cmd, NULL };
        rt_exec_result res;
        srv_touch(s.pub.id);
        if (sandbox_run(&s, argv, -1, -1, g_cfg.exec_timeout_s * 1000, &res) != 0)
            srv_error(resp, 500, "InternalServerError", "cannot run the command in the sandbox");
        else
            srv_json(resp, 200, json_pack("{s:s, s:s, s:i}", "stdout", res.out, "stderr", res.err, "exitCode",
                                          res.exit_code));
        rt_exec_result_free(&res);
    }
    srv_sandbox_free(&s);
    return 0;
}

/* ---------------------------------------------------------------- ports and VS Code */

char *srv_preview_url(int64_t port) { return pe_strprintf("http://127.0.0.1:%lld", (long long)port); }

static int h_expose(srv_req *r, srv_resp *resp)
{
    srv_sandbox s;
    int64_t port;
    if (!json_object_get(r->input, "port"))
        return missing_input(resp, "port");
    if (in_int(r, resp, "port", 1025, 65535, &port))
        return 0;
    if (!need_sandbox(r, resp, srv_param(r, "id"), "XRPCNotSupported", &s))
        return 0;
    char *url = srv_preview_url(port);
    int n = db_run("INSERT INTO ports (sandbox_id, port, description, preview_url) VALUES (?,?,?,?)", "siss", s.pub.id,
                   port, in_str(r, "description"), url);
    if (n == -2)
        srv_error(resp, 409, "PortAlreadyExposed", "Port %lld is already exposed", (long long)port);
    else
        srv_json(resp, 200, json_pack("{s:s}", "previewUrl", url));
    free(url);
    srv_sandbox_free(&s);
    return 0;
}

static int h_unexpose(srv_req *r, srv_resp *resp)
{
    srv_sandbox s;
    int64_t port;
    if (!json_object_get(r->input, "port"))
        return missing_input(resp, "port");
    if (in_int(r, resp, "port", 1024, 65535, &port))
        return 0;
    if (!need_sandbox(r, resp, srv_param(r, "id"), "XRPCNotSupported", &s))
        return 0;
    db_run("DELETE FROM ports WHERE sandbox_id = ? AND port = ?", "si", s.pub.id, port);
    srv_sandbox_free(&s);
    return srv_empty(resp);
}

static int h_ports(srv_req *r, srv_resp *resp)
{
    srv_sandbox s;
    json_t *arr = json_array();
    if (srv_sandbox_find(r, srv_param(r, "id"), &s)) {
        sqlite3_stmt *st = db_prep("SELECT port, description, preview_url FROM ports WHERE sandbox_id = ? ORDER BY port",
                                   "s", s.pub.id);
        while (st && sqlite3_step(st) == SQLITE_ROW) {
            pocketenv_port p = { sqlite3_column_int64(st, 0), (char *)sqlite3_column_text(st, 1),
                                 (char *)sqlite3_column_text(st, 2) };
            json_array_append_new(arr, pe_encode(&pe_type_port, &p));
        }
        sqlite3_finalize(st);
        srv_sandbox_free(&s);
    }
    return srv_json(resp, 200, json_pack("{s:o, s:I}", "ports", arr, "total", (json_int_t)json_array_size(arr)));
}

static const char *find_code_server(void)
{
    static const char *candidates[] = { "/usr/bin/code-server", "/usr/local/bin/code-server" };
    for (size_t i = 0; i < 2; i++)
        if (access(candidates[i], X_OK) == 0)
            return candidates[i];
    return NULL;
}

static int h_vscode(srv_req *r, srv_resp *resp)
{
    srv_sandbox s;
    if (!need_sandbox(r, resp, srv_param(r, "id"), "XRPCNotSupported", &s))
        return 0;
    sqlite3_stmt *st = db_prep("SELECT preview_url FROM ports WHERE sandbox_id = ? AND port = 1024", "s", s.pub.id);
    if (st && sqlite3_step(st) == SQLITE_ROW) {
        srv_json(resp, 200, json_pack("{s:s}", "previewUrl", sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : ""));
    } else if (!find_code_server()) {
        srv_error(resp, 400, "VscodeUnavailable",
                  "code-server is not installed on this machine: install it (e.g. under /usr/local/bin) to use VS Code");
    } else if (need_running(resp, &s)) {
        char *argv[] = { (char *)find_code_server(), "--bind-addr", "127.0.0.1:1024", "--auth", "none", "/workspace", NULL };
        char *url = srv_preview_url(1024);
        int32_t pid;
        if (srv_sandbox_spawn(&s, argv, "vscode.log", &pid) != 0) {
            srv_error(resp, 500, "InternalServerError", "cannot start code-server");
        } else {
            db_run("INSERT OR REPLACE INTO ports (sandbox_id, port, description, preview_url) VALUES (?,1024,'VS Code',?)",
                   "ss", s.pub.id, url);
            srv_json(resp, 200, json_pack("{s:s}", "previewUrl", url));
        }
        free(url);
    }
    sqlite3_finalize(st);
    srv_sandbox_free(&s);
    return 0;
}

/* ---------------------------------------------------------------- push / pull / backups */

/* Archives `path` inside the sandbox into the file at out_path (tar of its basename). */
static int archive_in_sandbox(const srv_sandbox *s, const char *path, const char *out_path, char **err)
{
    int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        *err = pe_strprintf("cannot create %s: %s", out_path, strerror(errno));
        return -1;
    }
    char *copy1 = strdup(path), *copy2 = strdup(path);
    char *argv[] = { "/bin/tar", "-czf", "-", "-C", dirname(copy1), "--", basename(copy2), NULL };
    rt_exec_result res;
    int rc = sandbox_run(s, argv, -1, fd, 0, &res);
    if (!rc && res.exit_code != 0) {
        *err = pe_strprintf("cannot archive %s in the sandbox: %s", path, res.err);
        rc = -1;
    }
    rt_exec_result_free(&res);
    free(copy1);
    free(copy2);
    if (fsync(fd) != 0 && !rc) {
        *err = pe_strprintf("cannot store the archive: %s", strerror(errno));
        rc = -1;
    }
    close(fd);
    return rc;
}

/* Extracts the tar.gz open at fd into dir inside the sandbox (created if missing). */
static int extract_in_sandbox(const srv_sandbox *s, int fd, const char *dir, char **err)
{
    char *argv[] = { "/bin/sh", "-c", "mkdir -p -- \"$1\" && exec tar -xzf - -C \"$1\" --no-same-owner", "sh",
                     (char *)dir, NULL };
    rt_exec_result res;
    int rc = sandbox_run(s, argv, fd, -1, 0, &res);
    if (!rc && res.exit_code != 0) {
        *err = pe_strprintf("cannot extract into %s in the sandbox: %s", dir, res.err);
        rc = -1;
    }
    rt_exec_result_free(&res);
    return rc;
}

static int h_push(srv_req *r, srv_resp *resp)
{
    srv_sandbox s;
    const char *sid = in_str(r, "sandboxId"), *path = in_str(r, "directoryPath");
    if (!sid)
        return missing_input(resp, "sandboxId");
    if (!path)
        return missing_input(resp, "directoryPath");
    if (!need_sandbox(r, resp, sid, "XRPCNotSupported", &s))
        return 0;
    if (need_running(resp, &s)) {
        char *uuid = srv_uuid4(), *blob = uuid ? srv_blob_path(uuid) : NULL, *err = NULL;
        srv_touch(s.pub.id);
        if (!blob || archive_in_sandbox(&s, path, blob, &err) != 0) {
            if (blob)
                unlink(blob);
            srv_error(resp, 400, "InvalidRequest", "%s", err ? err : "out of memory");
        } else if (srv_blob_register(uuid, r->user->did) != 0) {
            unlink(blob);
            srv_error(resp, 500, "InternalServerError", "Internal Server Error");
        } else {
            srv_json(resp, 200, json_pack("{s:s}", "uuid", uuid));
        }
        free(err);
        free(blob);
        free(uuid);
    }
    srv_sandbox_free(&s);
    return 0;
}

static int h_pull(srv_req *r, srv_resp *resp)
{
    srv_sandbox s;
    const char *sid = in_str(r, "sandboxId"), *path = in_str(r, "directoryPath"), *uuid = in_str(r, "uuid");
    if (!sid)
        return missing_input(resp, "sandboxId");
    if (!path)
        return missing_input(resp, "directoryPath");
    if (!uuid)
        return missing_input(resp, "uuid");
    if (!need_sandbox(r, resp, sid, "XRPCNotSupported", &s))
        return 0;
    int fd = -1;
    uint64_t size;
    char *err = NULL;
    if (!need_running(resp, &s)) {
        /* answered */
    } else if (srv_blob_claim(uuid, r->user->did, &fd, &size) != 0) {
        srv_error(resp, 404, "XRPCNotSupported", "File not found");
    } else if (extract_in_sandbox(&s, fd, path, &err) != 0) {
        srv_error(resp, 400, "InvalidRequest", "%s", err);
    } else {
        srv_touch(s.pub.id);
        srv_empty(resp);
    }
    if (fd >= 0)
        close(fd);
    free(err);
    srv_sandbox_free(&s);
    return 0;
}

static char *backup_path(const char *id) { return pe_strprintf("%s/backups/%s.tar.gz", g_cfg.state_dir, id); }

static void expire_backups(void)
{
    sqlite3_stmt *st = db_prep("SELECT id FROM backups WHERE expires_epoch IS NOT NULL AND expires_epoch < ?", "i",
                               (int64_t)time(NULL));
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        char *p = backup_path((const char *)sqlite3_column_text(st, 0));
        if (p)
            unlink(p);
        free(p);
    }
    sqlite3_finalize(st);
    db_run("DELETE FROM backups WHERE expires_epoch IS NOT NULL AND expires_epoch < ?", "i", (int64_t)time(NULL));
}

static int h_create_backup(srv_req *r, srv_resp *resp)
{
    srv_sandbox s;
    int64_t ttl;
    const char *dir = in_str(r, "directory");
    if (!dir)
        return missing_input(resp, "directory");
    if (in_int(r, resp, "ttl", 1, 10LL * 365 * 86400, &ttl))
        return 0;
    if (ttl == POCKETENV_NONE)
        ttl = 3 * 86400;
    if (!need_sandbox(r, resp, srv_param(r, "id"), "XRPCNotSupported", &s))
        return 0;
    if (need_running(resp, &s)) {
        char *id = srv_new_id("bak_"), *path = id ? backup_path(id) : NULL, *err = NULL;
        char *now = srv_now_iso(), *expires = srv_iso_after(ttl);
        if (!path || archive_in_sandbox(&s, dir, path, &err) != 0) {
            if (path)
                unlink(path);
            srv_error(resp, 400, "InvalidRequest", "%s", err ? err : "out of memory");
        } else {
            db_run("INSERT INTO backups (id, sandbox_id, directory, description, expires_at, expires_epoch, created_at) "
                   "VALUES (?,?,?,?,?,?,?)", "sssssis", id, s.pub.id, dir, in_str(r, "description"), expires,
                   (int64_t)time(NULL) + ttl, now);
            srv_empty(resp);
        }
        free(id);
        free(path);
        free(err);
        free(now);
        free(expires);
    }
    srv_sandbox_free(&s);
    return 0;
}

static int h_backups(srv_req *r, srv_resp *resp)
{
    srv_sandbox s;
    if (!need_sandbox(r, resp, srv_param(r, "id"), "XRPCNotSupported", &s))
        return 0;
    expire_backups();
    json_t *arr = json_array();
    sqlite3_stmt *st = db_prep("SELECT id, directory, description, expires_at, created_at FROM backups "
                               "WHERE sandbox_id = ? ORDER BY created_at DESC", "s", s.pub.id);
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        pocketenv_backup b = { (char *)sqlite3_column_text(st, 0), (char *)sqlite3_column_text(st, 1),
                               (char *)sqlite3_column_text(st, 2), (char *)sqlite3_column_text(st, 3),
                               (char *)sqlite3_column_text(st, 4) };
        json_array_append_new(arr, pe_encode(&pe_type_backup, &b));
    }
    sqlite3_finalize(st);
    srv_sandbox_free(&s);
    return srv_json(resp, 200, json_pack("{s:o, s:I}", "backups", arr, "total", (json_int_t)json_array_size(arr)));
}

static int h_restore_backup(srv_req *r, srv_resp *resp)
{
    const char *id = in_str(r, "backupId");
    if (!id)
        return missing_input(resp, "backupId");
    expire_backups();
    sqlite3_stmt *st = db_prep("SELECT sandbox_id, directory FROM backups WHERE id = ?", "s", id);
    char *sid = NULL, *dir = NULL;
    if (st && sqlite3_step(st) == SQLITE_ROW) {
        sid = db_col_str(st, 0);
        dir = db_col_str(st, 1);
    }
    sqlite3_finalize(st);
    srv_sandbox s;
    memset(&s, 0, sizeof s);
    if (!sid || !srv_sandbox_find(r, sid, &s)) {
        srv_error(resp, 404, "XRPCNotSupported", "Backup not found");
    } else if (need_running(resp, &s)) {
        char *path = backup_path(id), *copy = dir ? strdup(dir) : NULL, *err = NULL;
        int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
        if (fd < 0 || !copy)
            srv_error(resp, 404, "XRPCNotSupported", "Backup not found");
        else if (extract_in_sandbox(&s, fd, dirname(copy), &err) != 0)
            srv_error(resp, 400, "InvalidRequest", "%s", err);
        else
            srv_empty(resp);
        if (fd >= 0)
            close(fd);
        free(path);
        free(copy);
        free(err);
    }
    srv_sandbox_free(&s);
    free(sid);
    free(dir);
    return 0;
}

/* ---------------------------------------------------------------- SSH and Tailscale keys */

static int opens(const char *sealed) /* a value that does not open is refused at once */
{
    char *p = pocketenv_unseal(g_cfg.public_key, g_cfg.secret_key, sealed, NULL);
    int ok = p != NULL;
    if (p) {
        memset(p, 0, strlen(p));
        free(p);
    }
    return ok;
}

static int sealed_refused(srv_resp *resp, const char *field)
{
    return srv_error(resp, 400, "InvalidRequest",
                     "Input/%s is not a sealed box for this server's public key (see 'pocketenvd --print-public-key')",
                     field);
}

static int h_get_ssh(srv_req *r, srv_resp *resp)
{
    srv_sandbox s;
    if (!need_sandbox(r, resp, srv_param(r, "id"), "XRPCNotSupported", &s))
        return 0;
    sqlite3_stmt *st = db_prep("SELECT id, redacted, public_key, created_at FROM ssh_keys WHERE sandbox_id = ?", "s", s.pub.id);
    if (st && sqlite3_step(st) == SQLITE_ROW) {
        pocketenv_ssh_keys k = { (char *)sqlite3_column_text(st, 0), (char *)sqlite3_column_text(st, 1),
                                 (char *)sqlite3_column_text(st, 2), (char *)sqlite3_column_text(st, 3) };
        srv_json(resp, 200, pe_encode(&pe_type_ssh_keys, &k));
    } else {
        srv_error(resp, 404, "XRPCNotSupported", "Not found");
    }
    sqlite3_finalize(st);
    srv_sandbox_free(&s);
    return 0;
}

static int h_put_ssh(srv_req *r, srv_resp *resp)
{
    srv_sandbox s;
    const char *id = in_str(r, "id"), *priv = in_str(r, "privateKey"), *pub = in_str(r, "publicKey");
    if (!id)
        return missing_input(resp, "id");
    if (!priv)
        return missing_input(resp, "privateKey");
    if (!pub)
        return missing_input(resp, "publicKey");
    if (!opens(priv))
        return sealed_refused(resp, "privateKey");
    if (!need_sandbox(r, resp, id, "XRPCNotSupported", &s))
        return 0;
    char *rid = srv_new_id("rec_"), *now = srv_now_iso();
    const char *redacted = in_str(r, "redacted") ? in_str(r, "redacted") : "";
    db_run("INSERT OR REPLACE INTO ssh_keys (id, sandbox_id, sealed, redacted, public_key, created_at) VALUES (?,?,?,?,?,?)",
           "ssssss", rid, s.pub.id, priv, redacted, pub, now);
    if (is_running(&s)) {
        char *line = pe_strprintf("%s\n", pub);
        if (line)
            write_in_sandbox(&s, "/root/.ssh/authorized_keys", line, strlen(line), false);
        free(line);
    }
    free(rid);
    free(now);
    srv_sandbox_free(&s);
    return srv_json(resp, 200, json_object());
}

static int h_get_tailscale(srv_req *r, srv_resp *resp)
{
    srv_sandbox s;
    if (!need_sandbox(r, resp, srv_param(r, "id"), "XRPCNotSupported", &s))
        return 0;
    sqlite3_stmt *st = db_prep("SELECT id, redacted, created_at FROM tailscale_keys WHERE sandbox_id = ?", "s", s.pub.id);
    if (st && sqlite3_step(st) == SQLITE_ROW) {
        pocketenv_tailscale_auth_key k = { (char *)sqlite3_column_text(st, 0), (char *)sqlite3_column_text(st, 1),
                                           (char *)sqlite3_column_text(st, 2) };
        srv_json(resp, 200, pe_encode(&pe_type_tailscale, &k));
    } else {
        srv_error(resp, 404, "XRPCNotSupported", "Not found");
    }
    sqlite3_finalize(st);
    srv_sandbox_free(&s);
    return 0;
}

static int h_put_tailscale(srv_req *r, srv_resp *resp)
{
    srv_sandbox s;
    const char *id = in_str(r, "id"), *key = in_str(r, "authKey");
    if (!id)
        return missing_input(resp, "id");
    if (!key)
        return missing_input(resp, "authKey");
    if (!opens(key))
        return sealed_refused(resp, "authKey");
    if (!need_sandbox(r, resp, id, "XRPCNotSupported", &s))
        return 0;
    char *rid = srv_new_id("rec_"), *now = srv_now_iso();
    db_run("INSERT OR REPLACE INTO tailscale_keys (id, sandbox_id, sealed, redacted, created_at) VALUES (?,?,?,?,?)",
           "sssss", rid, s.pub.id, key, in_str(r, "redacted") ? in_str(r, "redacted") : "", now);
    free(rid);
    free(now);
    srv_sandbox_free(&s);
    return srv_json(resp, 200, json_object());
}

/* ---------------------------------------------------------------- stubs the platform also stubs */

static int h_get_preferences(srv_req *r, srv_resp *resp)
{
    (void)r;
    return srv_json(resp, 200, json_array());
}
static int h_put_preferences(srv_req *r, srv_resp *resp)
{
    if (!json_object_get(r->input, "sandboxId"))
        return missing_input(resp, "sandboxId");
    return srv_empty(resp);
}
static int h_stub_object(srv_req *r, srv_resp *resp)
{
    (void)r;
    return srv_json(resp, 200, json_object());
}

#define NO_PARAMS { NULL, NULL, NULL }
#define ID_PARAM { "id", NULL, NULL }
const srv_route srv_sandbox_routes[] = {
    { "io.pocketenv.sandbox.createSandbox", 1, 1, 1, h_create, NO_PARAMS },
    { "io.pocketenv.sandbox.getSandbox", 0, 0, 0, h_get, ID_PARAM },
    { "io.pocketenv.sandbox.getSandboxes", 0, 0, 0, h_list_catalog, NO_PARAMS },
    { "io.pocketenv.actor.getActorSandboxes", 0, 0, 0, h_actor_sandboxes, { "did", NULL, NULL } },
    { "io.pocketenv.sandbox.startSandbox", 1, 1, 0, h_start, ID_PARAM },
    { "io.pocketenv.sandbox.stopSandbox", 1, 0, 0, h_stop, ID_PARAM },
    { "io.pocketenv.sandbox.deleteSandbox", 1, 0, 1, h_delete, ID_PARAM },
    { "io.pocketenv.sandbox.claimSandbox", 1, 0, 1, h_claim, ID_PARAM },
    { "io.pocketenv.sandbox.exec", 1, 1, 0, h_exec, ID_PARAM },
    { "io.pocketenv.sandbox.exposePort", 1, 1, 1, h_expose, ID_PARAM },
    { "io.pocketenv.sandbox.unexposePort", 1, 1, 1, h_unexpose, ID_PARAM },
    { "io.pocketenv.sandbox.getExposedPorts", 0, 0, 1, h_ports, ID_PARAM },
    { "io.pocketenv.sandbox.exposeVscode", 1, 0, 0, h_vscode, ID_PARAM },
    { "io.pocketenv.sandbox.getSshKeys", 0, 0, 1, h_get_ssh, ID_PARAM },
    { "io.pocketenv.sandbox.putSshKeys", 1, 1, 1, h_put_ssh, NO_PARAMS },
    { "io.pocketenv.sandbox.getTailscaleAuthKey", 0, 0, 1, h_get_tailscale, ID_PARAM },
    { "io.pocketenv.sandbox.putTailscaleAuthKey", 1, 1, 1, h_put_tailscale, NO_PARAMS },
    { "io.pocketenv.sandbox.createBackup", 1, 1, 1, h_create_backup, ID_PARAM },
    { "io.pocketenv.sandbox.getBackups", 0, 0, 1, h_backups, ID_PARAM },
    { "io.pocketenv.sandbox.restoreBackup", 1, 1, 1, h_restore_backup, NO_PARAMS },
    { "io.pocketenv.sandbox.pushDirectory", 1, 1, 1, h_push, NO_PARAMS },
    { "io.pocketenv.sandbox.pullDirectory", 1, 1, 1, h_pull, NO_PARAMS },
    { "io.pocketenv.sandbox.getPreferences", 0, 0, 1, h_get_preferences, ID_PARAM },
    { "io.pocketenv.sandbox.putPreferences", 1, 1, 1, h_put_preferences, NO_PARAMS },
    { "io.pocketenv.sandbox.createIntegration", 1, 1, 0, h_stub_object, NO_PARAMS },
    { "io.pocketenv.sandbox.getIntegrations", 0, 0, 0, h_stub_object, ID_PARAM },
};
const size_t srv_sandbox_routes_count = sizeof srv_sandbox_routes / sizeof *srv_sandbox_routes;
