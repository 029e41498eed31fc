/* pocketenvd internals shared by its modules. */
#ifndef PE_SERVER_H
#define PE_SERVER_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../lib/internal.h"

/* ---------------------------------------------------------------- configuration */
typedef struct pe_server_config {
    char *state_dir;
    char *bind_addr;
    int port;
    char *public_url;        /* base URL printed and used for preview links */
    long idle_timeout_s;     /* auto-stop idle sandboxes (0 = never) */
    long exec_timeout_s;     /* per-command limit */
    size_t output_limit;     /* bytes kept per stream of exec */
    int rate_limit;          /* requests per window per client address, 0 = off */
    long rate_window_s;
    long max_pids;           /* per sandbox */
    unsigned char public_key[32], secret_key[32];
    char public_key_hex[65];
    bool cgroups_ok;         /* cgroup v1 controllers usable */
    bool userns;             /* sandboxes get a user namespace */
    uid_t uid_base;          /* host uid that sandbox root maps to */
    uid_t uid_count;
    char *init_helper;       /* path of pocketenv-sandbox-init */
    int inject_503;          /* fault tests: answer this many XRPC requests with 503 first */
} pe_server_config;

extern pe_server_config g_cfg;

/* ---------------------------------------------------------------- database (db.c) */
int db_open(const char *path);              /* opens/creates, migrates; 0 on success */
sqlite3 *db(void);                          /* this thread's connection */
void db_close_all(void);
/* Prepare with bound arguments. fmt: one char per '?': s (const char*, NULL -> NULL),
 * i (int64_t), d (int). Returns NULL on failure (logged). */
sqlite3_stmt *db_prep(const char *sql, const char *fmt, ...);
/* Run a statement to completion; returns sqlite3_changes or -1. */
int db_run(const char *sql, const char *fmt, ...);
/* Text of column i duplicated (NULL for NULL). */
char *db_col_str(sqlite3_stmt *st, int i);
int64_t db_col_int(sqlite3_stmt *st, int i); /* POCKETENV_NONE for NULL */
int db_begin(void);
int db_commit(void);
void db_rollback(void);

/* ---------------------------------------------------------------- utilities (util.c) */
char *srv_new_id(const char *prefix);       /* prefix + 20 base32hex chars */
char *srv_sandbox_id(void);                 /* sbx_ + base62 of 16 random bytes */
char *srv_now_iso(void);                    /* 2026-04-07T12:34:56.789Z */
char *srv_iso_after(long seconds);
char *srv_random_name(void);                /* adjective-noun-xxxx */
char *srv_uuid4(void);
int srv_mkdirs(const char *path, mode_t mode);
void srv_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool srv_valid_name(const char *s);         /* [A-Za-z0-9._-]{1,64} */

/* ---------------------------------------------------------------- users (auth.c) */
typedef struct srv_user {
    char *id, *did, *handle, *display_name, *created_at, *updated_at;
} srv_user;
void srv_user_free(srv_user *u);
/* Looks up the user for a bearer token. Returns 1 found, 0 not found. */
int srv_user_by_token(const char *token, srv_user *out);
int srv_user_by_actor(const char *did_or_handle, srv_user *out);
/* Creates a user; *token_out receives the new token (caller frees). */
int srv_user_create(const char *handle, char **token_out, srv_user *out);
int srv_keys_load_or_create(const char *state_dir);
/* Makes sure a default user exists; writes <state>/local.json with url, token and key. */
int srv_ensure_default_user(void);

/* ---------------------------------------------------------------- HTTP (http.c) */
typedef struct srv_req {
    const char *method, *path, *nsid;
    struct MHD_Connection *conn;
    const char *content_type;
    const char *body;        /* NUL-terminated; NULL when no body was sent */
    size_t body_len;
    bool has_body;           /* Content-Length or Transfer-Encoding present */
    json_t *input;           /* parsed JSON body (procedures with input) */
    srv_user *user;          /* NULL when anonymous */
    char client_addr[64];
} srv_req;

typedef struct srv_resp {
    int status;
    char *body;              /* owned; NULL = empty body */
    const char *content_type;
    char *extra_header_name, *extra_header_value;
    int file_fd;             /* >= 0: stream this file as the body */
    uint64_t file_size;
} srv_resp;

const char *srv_param(srv_req *r, const char *key);
/* Response helpers: they fill resp and return 0. */
int srv_json(srv_resp *resp, int status, json_t *body /* stolen */);
int srv_empty(srv_resp *resp);
int srv_error(srv_resp *resp, int status, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int srv_http_start(void);
void srv_http_stop(void);

typedef int (*srv_handler)(srv_req *r, srv_resp *resp);
typedef struct srv_route {
    const char *nsid;
    int is_procedure;        /* POST */
    int has_input;           /* lexicon declares an input body */
    int auth;                /* 1: token required (401 otherwise) */
    srv_handler fn;
    const char *required[3]; /* required query params */
} srv_route;
extern const srv_route srv_sandbox_routes[];
extern const size_t srv_sandbox_routes_count;
extern const srv_route srv_resource_routes[];
extern const size_t srv_resource_routes_count;

/* ---------------------------------------------------------------- sandboxes (api_sandbox.c) */
typedef struct srv_sandbox {
    pocketenv_sandbox pub;   /* what the wire shows */
    char *owner_did;
    int keep_alive;
    int64_t init_pid, init_start;
} srv_sandbox;
void srv_sandbox_free(srv_sandbox *s);
/* Finds a sandbox by id, name or uri that the user may act on (owner or ownerless). */
int srv_sandbox_find(srv_req *r, const char *ident, srv_sandbox *out);
int srv_sandbox_load(const char *id, srv_sandbox *out);
int srv_sandbox_stop_internal(srv_sandbox *s);
void srv_reconcile_sandboxes(void); /* after a restart */
void srv_idle_sweep(void);
void srv_stop_all_sandboxes(void);   /* clean shutdown */
void srv_touch(const char *sandbox_id);
/* Starts argv detached in running sandbox s, output appended to <sandbox dir>/<log_name>;
 * *pid receives its pid inside the sandbox. 0 on success. */
int srv_sandbox_spawn(const srv_sandbox *s, char *const argv[], const char *log_name, int32_t *pid);
/* The host URL of an exposed port (the network is shared). Caller frees. */
char *srv_preview_url(int64_t port);
/* Starts the sandbox's services (called after start). */
void srv_services_start_all(srv_sandbox *s);

/* ---------------------------------------------------------------- runtime (runtime.c) */
typedef struct rt_mount {
    char *source, *target;   /* host path, path inside the sandbox */
    bool read_only;
} rt_mount;

typedef struct rt_spec {
    const char *id, *hostname;
    rt_mount *mounts;
    size_t nmounts;
    int64_t memory_bytes, cpus, max_pids;
} rt_spec;

int rt_init(void);
/* Starts the init process; fills pid and its start time. */
int rt_start(const rt_spec *spec, pid_t *pid, int64_t *start_time);
bool rt_alive(pid_t pid, int64_t start_time);
int rt_stop(const char *id, pid_t pid, int64_t start_time);

typedef struct rt_exec_opts {
    char *const *env;        /* NULL-terminated */
    const char *cwd;
    long timeout_ms;         /* 0 = none */
    size_t output_limit;
    int stdin_fd, stdout_fd; /* >= 0: connect instead of capturing (argv mode) */
    bool detach;             /* services: return at once with the pid */
    const char *log_path;    /* detach: append output here (host path) */
} rt_exec_opts;

typedef struct rt_exec_result {
    char *out, *err;
    int exit_code;           /* 128+signal when killed; 124 on timeout */
    bool timed_out;
    pid_t pid;               /* the command's pid inside the sandbox (its process group) */
} rt_exec_result;

/* Sends signal sig to the process group of pid (a sandbox pid from a detached run). */
int rt_signal(const char *id, int32_t pid, int sig);
/* Runs argv inside sandbox id through its init's control socket. */
int rt_exec(const char *id, char *const argv[], const rt_exec_opts *o, rt_exec_result *res);
void rt_exec_result_free(rt_exec_result *r);
char *rt_sandbox_dir(const char *id, const char *sub);

/* ---------------------------------------------------------------- storage (storage.c) */
char *srv_blob_path(const char *uuid);
/* Registers a blob file for owner; returns uuid (caller frees). */
int srv_blob_register(const char *uuid, const char *owner_did);
/* Claims a blob for download by owner: returns an open fd and unlinks the record (single use). */
int srv_blob_claim(const char *uuid, const char *owner_did, int *fd, uint64_t *size);

/* ---------------------------------------------------------------- env for exec */
/* Builds the environment for processes of sandbox s (variables and opened secrets). */
char **srv_sandbox_env(const srv_sandbox *s);
void srv_env_free(char **env);

#endif
