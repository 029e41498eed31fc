/*
 * Local accounts and the server's sealing key pair. Tokens are 32 random bytes shown once;
 * only their BLAKE2b hash is stored, so the database never holds a usable credential.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "server.h"

void srv_user_free(srv_user *u)
{
    if (!u)
        return;
    free(u->id);
    free(u->did);
    free(u->handle);
    free(u->display_name);
    free(u->created_at);
    free(u->updated_at);
    memset(u, 0, sizeof *u);
}

static void token_hash(const char *token, char out[65])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), NULL, 0);
    pe_hex_encode(h, sizeof h, out);
}

static int load_user(sqlite3_stmt *st, srv_user *out)
{
    int found = st && sqlite3_step(st) == SQLITE_ROW;
    if (found) {
        out->id = db_col_str(st, 0);
        out->did = db_col_str(st, 1);
        out->handle = db_col_str(st, 2);
        out->display_name = db_col_str(st, 3);
        out->created_at = db_col_str(st, 4);
        out->updated_at = db_col_str(st, 5);
    }
    sqlite3_finalize(st);
    return found;
}

#define USER_COLS "SELECT id, did, handle, display_name, created_at, updated_at FROM users "

int srv_user_by_token(const char *token, srv_user *out)
{
    char h[65];
    memset(out, 0, sizeof *out);
    if (!token || !*token)
        return 0;
    token_hash(token, h);
    return load_user(db_prep(USER_COLS "WHERE token_hash = ?", "s", h), out);
}

int srv_user_by_actor(const char *actor, srv_user *out)
{
    memset(out, 0, sizeof *out);
    return load_user(db_prep(USER_COLS "WHERE did = ? OR handle = ?", "ss", actor, actor), out);
}

static char *new_did(void)
{
    static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
    char s[25];
    for (int i = 0; i < 24; i++)
        s[i] = b32[randombytes_uniform(32)];
    s[24] = '\0';
    return pe_strprintf("did:plc:%s", s);
}

int srv_user_create(const char *handle, char **token_out, srv_user *out)
{
    unsigned char raw[32];
    char hex[65], h[65];
    *token_out = NULL;
    memset(out, 0, sizeof *out);
    randombytes_buf(raw, sizeof raw);
    pe_hex_encode(raw, sizeof raw, hex);
    char *token = pe_strprintf("pe_%s", hex);
    char *id = srv_new_id("usr_"), *did = new_did(), *now = srv_now_iso();
    int rc = -1;
    if (token && id && did && now) {
        token_hash(token, h);
        rc = db_run("INSERT INTO users (id, did, handle, token_hash, created_at, updated_at) VALUES (?,?,?,?,?,?)",
                    "ssssss", id, did, handle, h, now, now) == 1 ? 0 : -1;
    }
    free(id);
    free(did);
    free(now);
    if (rc) {
        free(token);
        return -1;
    }
    *token_out = token;
    srv_user_by_actor(handle, out);
    return 0;
}

/* Writes a file atomically with the given mode (temp + rename). */
static int write_private(const char *path, const char *text)
{
    char *tmp = pe_strprintf("%s.tmp", path);
    if (!tmp)
        return -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int rc = -1;
    if (fd >= 0) {
        size_t n = strlen(text);
        rc = write(fd, text, n) == (ssize_t)n && fsync(fd) == 0 ? 0 : -1;
        close(fd);
    }
    if (rc == 0)
        rc = rename(tmp, path);
    if (rc)
        unlink(tmp);
    free(tmp);
    return rc;
}

int srv_keys_load_or_create(const char *state_dir)
{
    char *path = pe_strprintf("%s/server.key", state_dir);
    FILE *f = path ? fopen(path, "re") : NULL;
    char hex[130] = "";
    int rc = -1;
    if (f) {
        if (fgets(hex, sizeof hex, f) && pe_hex_decode(strtok(hex, "\n"), g_cfg.secret_key, 32) == 0)
            rc = 0;
        fclose(f);
        if (rc)
            srv_log("%s is not a 64-character hex key: refusing to start (move it away to create a new one)", path);
    } else if (errno == ENOENT && path) {
        crypto_box_keypair(g_cfg.public_key, g_cfg.secret_key);
        pe_hex_encode(g_cfg.secret_key, 32, hex);
        strcat(hex, "\n");
        rc = write_private(path, hex);
        if (rc)
            srv_log("cannot write %s: %s", path, strerror(errno));
    }
    if (rc == 0)
        crypto_scalarmult_base(g_cfg.public_key, g_cfg.secret_key);
    pe_hex_encode(g_cfg.public_key, 32, g_cfg.public_key_hex);
    sodium_memzero(hex, sizeof hex);
    free(path);
    return rc;
}

int srv_ensure_default_user(void)
{
    char *path = pe_strprintf("%s/local.json", g_cfg.state_dir);
    json_t *existing = path ? json_load_file(path, 0, NULL) : NULL;
    const char *token = json_string_value(json_object_get(existing, "token"));
    srv_user u = { 0 };
    char *new_token = NULL;
    int rc = 0;
    if (!token || !srv_user_by_token(token, &u)) {
        srv_user_free(&u);
        if (!srv_user_by_actor("local.pocketenv", &u)) {
            rc = srv_user_create("local.pocketenv", &new_token, &u);
        } else {
            /* the default user exists but its token was lost: issue a fresh one */
            unsigned char raw[32];
            char hex[65], h[65];
            randombytes_buf(raw, sizeof raw);
            pe_hex_encode(raw, sizeof raw, hex);
            new_token = pe_strprintf("pe_%s", hex);
            token_hash(new_token, h);
            rc = db_run("UPDATE users SET token_hash = ? WHERE id = ?", "ss", h, u.id) == 1 ? 0 : -1;
        }
        token = new_token;
    }
    if (!rc) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "url", g_cfg.public_url, "token", token, "publicKey",
                              g_cfg.public_key_hex, "did", u.did ? u.did : "", "handle", u.handle ? u.handle : "");
        char *text = json_dumps(o, JSON_INDENT(2));
        rc = text ? write_private(path, text) : -1;
        if (rc)
            srv_log("cannot write %s: %s", path, strerror(errno));
        free(text);
        json_decref(o);
    }
    srv_user_free(&u);
    json_decref(existing);
    free(new_token);
    free(path);
    return rc;
}
