/*
 * SQLite state in WAL mode. Each thread gets its own connection (MHD runs a thread per
 * connection); a pthread key closes it when the thread ends.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

static char *db_path;
static pthread_key_t db_key;
static pthread_once_t db_once = PTHREAD_ONCE_INIT;

static const char *SCHEMA =
    "CREATE TABLE IF NOT EXISTS users ("
    "  id TEXT PRIMARY KEY, did TEXT UNIQUE NOT NULL, handle TEXT UNIQUE NOT NULL, display_name TEXT,"
    "  token_hash TEXT UNIQUE NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS sandboxes ("
    "  id TEXT PRIMARY KEY, name TEXT UNIQUE NOT NULL, owner_did TEXT, provider TEXT NOT NULL,"
    "  base TEXT, display_name TEXT, description TEXT, topics TEXT, repo TEXT, logo TEXT, readme TEXT,"
    "  installs INTEGER NOT NULL DEFAULT 0, uri TEXT, vcpus INTEGER, memory INTEGER, disk INTEGER,"
    "  status TEXT NOT NULL, keep_alive INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL,"
    "  started_at TEXT, init_pid INTEGER, init_start INTEGER, last_active INTEGER);"
    "CREATE TABLE IF NOT EXISTS secrets ("
    "  id TEXT PRIMARY KEY, sandbox_id TEXT, owner_did TEXT NOT NULL, name TEXT NOT NULL,"
    "  sealed TEXT NOT NULL, created_at TEXT NOT NULL, UNIQUE(sandbox_id, name));"
    "CREATE TABLE IF NOT EXISTS variables ("
    "  id TEXT PRIMARY KEY, sandbox_id TEXT, owner_did TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL,"
    "  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, UNIQUE(sandbox_id, name));"
    "CREATE TABLE IF NOT EXISTS files ("
    "  id TEXT PRIMARY KEY, sandbox_id TEXT, owner_did TEXT NOT NULL, path TEXT NOT NULL, sealed TEXT NOT NULL,"
    "  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, UNIQUE(sandbox_id, path));"
    "CREATE TABLE IF NOT EXISTS volumes ("
    "  id TEXT PRIMARY KEY, sandbox_id TEXT, owner_did TEXT NOT NULL, name TEXT, path TEXT,"
    "  read_only INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
    "  UNIQUE(sandbox_id, path));"
    "CREATE TABLE IF NOT EXISTS services ("
    "  id TEXT PRIMARY KEY, sandbox_id TEXT NOT NULL, name TEXT NOT NULL, command TEXT NOT NULL,"
    "  description TEXT, ports TEXT, status TEXT NOT NULL DEFAULT 'STOPPED', pid INTEGER,"
    "  created_at TEXT NOT NULL, UNIQUE(sandbox_id, name));"
    "CREATE TABLE IF NOT EXISTS ports ("
    "  sandbox_id TEXT NOT NULL, port INTEGER NOT NULL, description TEXT, preview_url TEXT,"
    "  PRIMARY KEY(sandbox_id, port));"
    "CREATE TABLE IF NOT EXISTS ssh_keys ("
    "  id TEXT PRIMARY KEY, sandbox_id TEXT UNIQUE NOT NULL, sealed TEXT NOT NULL, redacted TEXT NOT NULL,"
    "  public_key TEXT NOT NULL, created_at TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS tailscale_keys ("
    "  id TEXT PRIMARY KEY, sandbox_id TEXT UNIQUE NOT NULL, sealed TEXT NOT NULL, redacted TEXT NOT NULL,"
    "  created_at TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS backups ("
    "  id TEXT PRIMARY KEY, sandbox_id TEXT NOT NULL, directory TEXT NOT NULL, description TEXT,"
    "  expires_at TEXT, expires_epoch INTEGER, created_at TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS blobs ("
    "  uuid TEXT PRIMARY KEY, owner_did TEXT NOT NULL, created_at TEXT NOT NULL);";

/* Connections outlive the threads that used them: MHD starts a thread per HTTP connection, and
 * opening SQLite (and reading the schema) for each would cost more than the request itself. */
static sqlite3 *pool[64];
static size_t pooled;
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;

static void release_conn(void *p)
{
    pthread_mutex_lock(&pool_lock);
    if (pooled < sizeof pool / sizeof *pool) {
        pool[pooled++] = p;
        p = NULL;
    }
    pthread_mutex_unlock(&pool_lock);
    if (p)
        sqlite3_close_v2(p);
}

static sqlite3 *take_pooled(void)
{
    pthread_mutex_lock(&pool_lock);
    sqlite3 *h = pooled ? pool[--pooled] : NULL;
    pthread_mutex_unlock(&pool_lock);
    return h;
}

static void make_key(void) { pthread_key_create(&db_key, release_conn); }

static sqlite3 *open_conn(void)
{
    sqlite3 *h = NULL;
    if (sqlite3_open_v2(db_path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        srv_log("database: cannot open %s: %s", db_path, h ? sqlite3_errmsg(h) : "out of memory");
        sqlite3_close_v2(h);
        return NULL;
    }
    sqlite3_busy_timeout(h, 10000);
    sqlite3_exec(h, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;", NULL, NULL, NULL);
    return h;
}

sqlite3 *db(void)
{
    pthread_once(&db_once, make_key);
    sqlite3 *h = pthread_getspecific(db_key);
    if (!h && ((h = take_pooled()) || (h = open_conn())))
        pthread_setspecific(db_key, h);
    return h;
}

int db_open(const char *path)
{
    free(db_path);
    db_path = strdup(path);
    sqlite3 *h = db();
    char *err = NULL;
    if (!h)
        return -1;
    if (sqlite3_exec(h, SCHEMA, NULL, NULL, &err) != SQLITE_OK) {
        srv_log("database: schema: %s", err);
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

void db_close_all(void)
{
    sqlite3 *h = pthread_getspecific(db_key);
    if (h) {
        sqlite3_close_v2(h);
        pthread_setspecific(db_key, NULL);
    }
    pthread_mutex_lock(&pool_lock);
    while (pooled)
        sqlite3_close_v2(pool[--pooled]);
    pthread_mutex_unlock(&pool_lock);
    free(db_path);
    db_path = NULL;
}

static sqlite3_stmt *vprep(const char *sql, const char *fmt, va_list ap)
{
    sqlite3 *h = db();
    sqlite3_stmt *st = NULL;
    if (!h || sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
        srv_log("database: prepare failed: %s (%s)", h ? sqlite3_errmsg(h) : "no connection", sql);
        return NULL;
    }
    for (int i = 1; fmt && *fmt; fmt++, i++) {
        if (*fmt == 's') {
            const char *s = va_arg(ap, const char *);
            if (s)
                sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(st, i);
        } else if (*fmt == 'i') {
            int64_t v = va_arg(ap, int64_t);
            if (v == POCKETENV_NONE)
                sqlite3_bind_null(st, i);
            else
                sqlite3_bind_int64(st, i, v);
        } else if (*fmt == 'd') {
            sqlite3_bind_int(st, i, va_arg(ap, int));
        }
    }
    return st;
}

sqlite3_stmt *db_prep(const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sqlite3_stmt *st = vprep(sql, fmt, ap);
    va_end(ap);
    return st;
}

int db_run(const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sqlite3_stmt *st = vprep(sql, fmt, ap);
    va_end(ap);
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    int changes = rc == SQLITE_DONE || rc == SQLITE_ROW ? sqlite3_changes(db()) : -1;
    if (changes < 0 && rc != SQLITE_CONSTRAINT)
        srv_log("database: %s (%s)", sqlite3_errmsg(db()), sql);
    if (rc == SQLITE_CONSTRAINT)
        changes = -2; /* uniqueness: the caller reports a conflict */
    sqlite3_finalize(st);
    return changes;
}

char *db_col_str(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

int64_t db_col_int(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? POCKETENV_NONE : sqlite3_column_int64(st, i);
}

int db_begin(void) { return sqlite3_exec(db(), "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1; }
int db_commit(void) { return sqlite3_exec(db(), "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1; }
void db_rollback(void) { sqlite3_exec(db(), "ROLLBACK", NULL, NULL, NULL); }
