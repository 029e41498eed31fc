/* The CLI's commands: one function each, registered in COMMANDS (which also feeds --help). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* ---------------------------------------------------------------- argument helpers */

/* Removes "--long VALUE", "-s VALUE" or "--long=VALUE" from the arguments; returns VALUE. */
static const char *take_opt(cli *c, const char *lng, const char *shrt)
{
    for (int i = 0; i < c->argc; i++) {
        const char *a = c->argv[i];
        size_t n = strlen(lng);
        const char *val = NULL;
        int used = 0;
        if (!strncmp(a, lng, n) && a[n] == '=') {
            val = a + n + 1;
            used = 1;
        } else if ((!strcmp(a, lng) || (shrt && !strcmp(a, shrt))) && i + 1 < c->argc) {
            val = c->argv[i + 1];
            used = 2;
        }
        if (used) {
            memmove(&c->argv[i], &c->argv[i + used], (size_t)(c->argc - i - used) * sizeof *c->argv);
            c->argc -= used;
            return val;
        }
    }
    return NULL;
}

static bool take_flag(cli *c, const char *lng, const char *shrt)
{
    for (int i = 0; i < c->argc; i++)
        if (!strcmp(c->argv[i], lng) || (shrt && !strcmp(c->argv[i], shrt))) {
            memmove(&c->argv[i], &c->argv[i + 1], (size_t)(c->argc - i - 1) * sizeof *c->argv);
            c->argc--;
            return true;
        }
    return false;
}

/* Refuses leftover options and checks the number of positional arguments. */
static int positionals(cli *c, int min, int max, const char *usage)
{
    for (int i = 0; i < c->argc; i++)
        if (c->argv[i][0] == '-' && c->argv[i][1])
            return out_usage("unknown option '%s'; %s", c->argv[i], usage);
    if (c->argc < min || (max >= 0 && c->argc > max))
        return out_usage("%s", usage);
    return 0;
}

static int get_sandbox(cli *c, const char *ident, pocketenv_sandbox **sb)
{
    int rc = pocketenv_sandbox_get(c->client, ident, sb);
    return rc ? out_fail(rc) : 0;
}

static int parse_port(const char *s, int *port)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 1 || v > 65535)
        return out_usage("port must be a number from 1 to 65535, not '%s'", s);
    *port = (int)v;
    return 0;
}

/* Reads a secret: from stdin when piped (trailing whitespace trimmed), else a hidden prompt. */
static char *read_secret(const char *prompt)
{
    pe_buf b = { 0 };
    bool tty = isatty(0);
    struct termios old, quiet;
    if (tty) {
        fprintf(stderr, "%s: ", prompt);
        tcgetattr(0, &old);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(0, TCSAFLUSH, &quiet);
    }
    char chunk[4096];
    ssize_t n;
    while ((n = read(0, chunk, sizeof chunk)) > 0) {
        pe_buf_append(&b, chunk, (size_t)n);
        if (tty && memchr(chunk, '\n', (size_t)n))
            break;
    }
    if (tty) {
        tcsetattr(0, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    while (b.len && strchr(" \t\r\n", b.data[b.len - 1]))
        b.data[--b.len] = '\0';
    if (!b.len) {
        pe_buf_free(&b);
        return NULL;
    }
    return b.data;
}

static char *read_file_text(const char *path)
{
    FILE *f = !strcmp(path, "-") ? stdin : fopen(path, "re");
    if (!f)
        return NULL;
    pe_buf b = { 0 };
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        pe_buf_append(&b, chunk, n);
    if (f != stdin)
        fclose(f);
    if (!b.data)
        pe_buf_append(&b, "", 0);
    return b.data;
}

/* ---------------------------------------------------------------- JSON for lists */

static json_t *list_json(const pe_type *t, const void *items, size_t count)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < count; i++)
        json_array_append_new(arr, pe_encode(t, (const char *)items + i * t->size));
    return arr;
}

/* ---------------------------------------------------------------- account */

static int cmd_whoami(cli *c)
{
    if (positionals(c, 0, 0, "pocketenv whoami"))
        return EXIT_USAGE;
    pocketenv_profile *p = NULL;
    int rc = pocketenv_me(c->client, &p);
    if (rc)
        return out_fail(rc);
    if (c->json)
        out_json(pe_encode(&pe_type_profile, p));
    else if (p->display_name)
        printf("You are logged in as @%s (%s).\n", p->handle, p->display_name);
    else
        printf("You are logged in as @%s.\n", p->handle);
    pocketenv_profile_free(p);
    return 0;
}

static char *token_path(void) { return pe_home_path(".pocketenv/token.json"); }

static int cmd_login(cli *c)
{
    const char *token = take_opt(c, "--token", "-t");
    if (positionals(c, 0, 1, "pocketenv login --token TOKEN   (or pipe the token on stdin)"))
        return EXIT_USAGE;
    char *owned = NULL;
    if (!token && !isatty(0))
        token = owned = read_secret("token");
    if (!token)
        return out_usage("pocketenv login --token TOKEN: the browser flow is not available in this client; "
                         "get a token from the web app and pass it with --token or on stdin");
    char *path = token_path(), *dir = pe_home_path(".pocketenv");
    json_t *o = json_pack("{s:s}", "token", token);
    char *text = json_dumps(o, JSON_INDENT(2));
    int rc = EXIT_LOCAL;
    if (dir && path && text && (mkdir(dir, 0700) == 0 || errno == EEXIST)) {
        char *tmp = pe_strprintf("%s.tmp", path);
        int fd = tmp ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
        if (fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text) && write(fd, "\n", 1) == 1 &&
            fsync(fd) == 0 && close(fd) == 0 && rename(tmp, path) == 0) {
            rc = 0;
            fd = -1;
        }
        if (fd >= 0)
            close(fd);
        if (rc && tmp)
            unlink(tmp);
        free(tmp);
    }
    if (rc)
        fprintf(stderr, "pocketenv: error: cannot write %s: %s\n", path ? path : "~/.pocketenv/token.json", strerror(errno));
    else
        out_success(c, "Token saved to %s", path);
    free(text);
    json_decref(o);
    free(path);
    free(dir);
    free(owned);
    return rc;
}

static int cmd_logout(cli *c)
{
    if (positionals(c, 0, 0, "pocketenv logout"))
        return EXIT_USAGE;
    char *path = token_path();
    if (path && unlink(path) != 0 && errno != ENOENT) {
        fprintf(stderr, "pocketenv: error: cannot remove %s: %s\n", path, strerror(errno));
        free(path);
        return EXIT_LOCAL;
    }
    free(path);
    out_success(c, "Logged out successfully");
    return 0;
}

/* ---------------------------------------------------------------- sandboxes */

static int list_common(cli *c, bool running_only)
{
    if (positionals(c, 0, 0, running_only ? "pocketenv ps" : "pocketenv ls"))
        return EXIT_USAGE;
    pocketenv_profile *me = NULL;
    pocketenv_sandboxes l;
    int rc = pocketenv_me(c->client, &me);
    if (!rc)
        rc = pocketenv_sandbox_list_by_actor(c->client, me->did, 100, 0, running_only ? 1 : -1, &l);
    pocketenv_profile_free(me);
    if (rc)
        return out_fail(rc);
    if (c->json) {
        out_json(list_json(&pe_type_sandbox, l.items, l.count));
    } else {
        static const char *h[] = { "NAME", "BASE", "PROVIDER", "STATUS", "CREATED AT" };
        table t;
        table_init(&t, 5, h);
        for (size_t i = 0; i < l.count; i++) {
            pocketenv_sandbox *s = &l.items[i];
            char *created = out_relative_time(s->created_at, false);
            char *status = running_only ? out_relative_time(s->started_at, true) : strdup(s->status_raw ? s->status_raw : "-");
            const char *cells[] = { s->name, s->base_sandbox, s->provider, status, created };
            const char *colors[] = { NULL, NULL, NULL, s->status == POCKETENV_STATUS_RUNNING ? "highlight" : NULL, "muted" };
            table_add(&t, cells, colors);
            free(created);
            free(status);
        }
        table_print(c, &t);
        table_free(&t);
    }
    pocketenv_sandboxes_free(&l);
    return 0;
}

static int cmd_ls(cli *c) { return list_common(c, false); }
static int cmd_ps(cli *c) { return list_common(c, true); }

static const char *expand_repo(const char *repo, char **owned)
{
    static const struct {
        const char *prefix, *base;
    } shorthands[] = { { "github:", "https://github.com/" }, { "gitlab:", "https://gitlab.com/" },
                       { "tangled:", "https://tangled.org/" } };
    *owned = NULL;
    for (size_t i = 0; repo && i < 3; i++)
        if (!strncmp(repo, shorthands[i].prefix, strlen(shorthands[i].prefix)))
            return *owned = pe_strprintf("%s%s", shorthands[i].base, repo + strlen(shorthands[i].prefix));
    return repo;
}

static int cmd_create(cli *c)
{
    pocketenv_create_options o = POCKETENV_CREATE_OPTIONS_INIT;
    char *repo_owned;
    o.provider = take_opt(c, "--provider", "-p");
    o.base = take_opt(c, "--base", "-b");
    o.repo = expand_repo(take_opt(c, "--repo", "-r"), &repo_owned);
    o.description = take_opt(c, "--description", "-d");
    o.keep_alive = take_flag(c, "--keep-alive", "-k");
    bool wait = take_flag(c, "--wait", "-w");
    if (positionals(c, 0, 1, "pocketenv create [NAME] [--provider P] [--base B] [--repo R] [--keep-alive] [--wait]")) {
        free(repo_owned);
        return EXIT_USAGE;
    }
    if (c->local && !o.provider)
        o.provider = "local"; /* say what it is: a sandbox on this machine */
    o.name = c->argc ? c->argv[0] : NULL;
    pocketenv_sandbox *sb = NULL;
    int rc = pocketenv_sandbox_create(c->client, &sb, &o);
    if (!rc && wait)
        rc = pocketenv_sandbox_wait_until_running(c->client, sb, NULL);
    free(repo_owned);
    if (rc) {
        pocketenv_sandbox_free(sb);
        return out_fail(rc);
    }
    if (c->json)
        out_json(pe_encode(&pe_type_sandbox, sb));
    else
        out_success(c, "Sandbox created successfully: %s", sb->name);
    pocketenv_sandbox_free(sb);
    return 0;
}

/* start/stop/rm/wait share their shape: resolve the sandbox, act, report. */
typedef enum { ACT_START, ACT_STOP, ACT_DELETE, ACT_WAIT } sandbox_action;

static int sandbox_verb(cli *c, sandbox_action a)
{
    static const char *usages[] = { "pocketenv start SANDBOX [--repo R] [--keep-alive]", "pocketenv stop SANDBOX",
                                     "pocketenv rm SANDBOX", "pocketenv wait SANDBOX [--timeout SECONDS]" };
    pocketenv_start_options so = POCKETENV_START_OPTIONS_INIT;
    pocketenv_wait_options wo = POCKETENV_WAIT_OPTIONS_INIT;
    char *repo_owned = NULL;
    if (a == ACT_START) {
        so.repo = expand_repo(take_opt(c, "--repo", "-r"), &repo_owned);
        so.keep_alive = take_flag(c, "--keep-alive", "-k");
    }
    const char *timeout = a == ACT_WAIT ? take_opt(c, "--timeout", "-t") : NULL;
    if (timeout)
        wo.timeout_ms = atol(timeout) * 1000;
    wo.interval_ms = 500;
    pocketenv_sandbox *sb = NULL;
    int rc = positionals(c, 1, 1, usages[a]);
    if (!rc && !(rc = get_sandbox(c, c->argv[0], &sb))) {
        int r = a == ACT_START ? pocketenv_sandbox_start(c->client, sb, &so)
              : a == ACT_STOP  ? pocketenv_sandbox_stop(c->client, sb)
              : a == ACT_DELETE ? pocketenv_sandbox_delete(c->client, sb)
                                : pocketenv_sandbox_wait_until_running(c->client, sb, &wo);
        if (r)
            rc = out_fail(r);
        else if (c->json)
            out_json(pe_encode(&pe_type_sandbox, sb));
        else if (a == ACT_START)
            out_success(c, "Sandbox %s started", sb->name);
        else if (a == ACT_STOP)
            out_success(c, "Sandbox %s stopped", sb->name);
        else if (a == ACT_DELETE)
            out_success(c, "Sandbox deleted successfully");
        else
            out_success(c, "Sandbox %s is running", sb->name);
    }
    pocketenv_sandbox_free(sb);
    free(repo_owned);
    return rc;
}

static int cmd_start(cli *c) { return sandbox_verb(c, ACT_START); }
static int cmd_stop(cli *c) { return sandbox_verb(c, ACT_STOP); }
static int cmd_rm(cli *c) { return sandbox_verb(c, ACT_DELETE); }
static int cmd_wait(cli *c) { return sandbox_verb(c, ACT_WAIT); }

static int cmd_exec(cli *c)
{
    /* options after the sandbox belong to the remote command */
    if (c->argc < 2)
        return out_usage("pocketenv exec SANDBOX COMMAND [ARGS...]   (one word: a shell command line; "
                         "several: each word passed as one argument)");
    pocketenv_sandbox *sb = NULL;
    int rc = get_sandbox(c, c->argv[0], &sb);
    if (rc)
        return rc;
    pocketenv_exec_result *r = NULL;
    int e = c->argc == 2 ? pocketenv_sandbox_exec(c->client, sb, c->argv[1], &r)
                         : pocketenv_sandbox_execv(c->client, sb, (size_t)c->argc - 1, (const char *const *)c->argv + 1, &r);
    pocketenv_sandbox_free(sb);
    if (e)
        return out_fail(e);
    if (c->json) {
        out_json(pe_encode(&pe_type_exec, r));
    } else {
        fputs(r->stdout_text, stdout);
        fputs(r->stderr_text, stderr);
        if (*r->stderr_text && r->stderr_text[strlen(r->stderr_text) - 1] != '\n')
            fputc('\n', stderr);
    }
    rc = r->exit_code == POCKETENV_NONE ? EXIT_ERROR : (int)(r->exit_code & 255);
    pocketenv_exec_result_free(r);
    return rc;
}

/* ---------------------------------------------------------------- cp */

static volatile sig_atomic_t interrupted;
static void on_sigint(int s)
{
    (void)s;
    interrupted = 1;
}

typedef struct progress_state {
    cli *c;
    struct timespec start;
    bool shown;
} progress_state;

static double since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static int on_progress(uint64_t bytes, void *payload)
{
    progress_state *p = payload;
    double secs = since(&p->start);
    if (p->c->tty_err && !p->c->json && secs >= 1.0) { /* short transfers print nothing */
        fprintf(stderr, "\r%.1f MiB  %.1f MiB/s   ", (double)bytes / 1048576.0, (double)bytes / 1048576.0 / secs);
        p->shown = true;
    }
    return interrupted;
}

/* "sandbox:/path" → sandbox and path; anything else is local. */
static bool split_remote(const char *arg, char **sandbox, const char **path)
{
    const char *colon = strchr(arg, ':');
    if (!colon || colon == arg || colon[1] != '/' || strchr(arg, '/') < colon)
        return false;
    *sandbox = strndup(arg, (size_t)(colon - arg));
    *path = colon + 1;
    return *sandbox != NULL;
}

static int cmd_cp(cli *c)
{
    if (positionals(c, 2, 2, "pocketenv cp SOURCE DESTINATION   (SANDBOX:/path marks the sandbox side)"))
        return EXIT_USAGE;
    char *src_sb = NULL, *dst_sb = NULL;
    const char *src_path = c->argv[0], *dst_path = c->argv[1];
    bool src_remote = split_remote(c->argv[0], &src_sb, &src_path);
    bool dst_remote = split_remote(c->argv[1], &dst_sb, &dst_path);
    pocketenv_sandbox *a = NULL, *b = NULL;
    progress_state ps = { c, { 0, 0 }, false };
    clock_gettime(CLOCK_MONOTONIC, &ps.start);
    pocketenv_transfer_options o = POCKETENV_TRANSFER_OPTIONS_INIT;
    o.progress = on_progress;
    o.payload = &ps;
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, &old);
    int rc = 0;
    if (!src_remote && !dst_remote)
        rc = out_usage("pocketenv cp: one side must be SANDBOX:/path");
    else if ((src_remote && (rc = get_sandbox(c, src_sb, &a))) || (dst_remote && (rc = get_sandbox(c, dst_sb, &b))))
        ; /* reported */
    else {
        int r = src_remote && dst_remote ? pocketenv_sandbox_copy_to(c->client, a, b, src_path, dst_path, &o)
              : src_remote ? pocketenv_sandbox_download(c->client, a, src_path, dst_path, &o)
                           : pocketenv_sandbox_upload(c->client, b, src_path, dst_path, &o);
        if (ps.shown)
            fputc('\n', stderr);
        if (r == POCKETENV_ECANCELED && interrupted) {
            fprintf(stderr, "pocketenv: interrupted; nothing was written\n");
            rc = EXIT_INTERRUPTED;
        } else if (r) {
            rc = out_fail(r);
        } else {
            out_success(c, "Copied files from %s to %s", c->argv[0], c->argv[1]);
        }
    }
    sigaction(SIGINT, &old, NULL);
    pocketenv_sandbox_free(a);
    pocketenv_sandbox_free(b);
    free(src_sb);
    free(dst_sb);
    return rc;
}

/* ---------------------------------------------------------------- ports and VS Code */

static int cmd_expose(cli *c)
{
    int port = 0, rc = positionals(c, 2, 3, "pocketenv expose SANDBOX PORT [DESCRIPTION]");
    pocketenv_sandbox *sb = NULL;
    char *url = NULL;
    if (rc || (rc = parse_port(c->argv[1], &port)) || (rc = get_sandbox(c, c->argv[0], &sb)))
        return rc;
    int r = pocketenv_sandbox_expose(c->client, sb, port, c->argc > 2 ? c->argv[2] : NULL, &url);
    if (r)
        rc = out_fail(r);
    else if (c->json)
        out_json(json_pack("{s:i, s:s?}", "port", port, "previewUrl", url));
    else {
        out_success(c, "Port %d exposed for %s", port, sb->name);
        if (url)
            printf("Preview URL: %s\n", url);
    }
    free(url);
    pocketenv_sandbox_free(sb);
    return rc;
}

static int cmd_unexpose(cli *c)
{
    int port = 0, rc = positionals(c, 2, 2, "pocketenv unexpose SANDBOX PORT");
    pocketenv_sandbox *sb = NULL;
    if (rc || (rc = parse_port(c->argv[1], &port)) || (rc = get_sandbox(c, c->argv[0], &sb)))
        return rc;
    int r = pocketenv_sandbox_unexpose(c->client, sb, port);
    if (r)
        rc = out_fail(r);
    else
        out_success(c, "Port %d unexposed", port);
    pocketenv_sandbox_free(sb);
    return rc;
}

static int cmd_ports(cli *c)
{
    int rc = positionals(c, 1, 1, "pocketenv ports SANDBOX");
    pocketenv_sandbox *sb = NULL;
    pocketenv_ports l;
    if (rc || (rc = get_sandbox(c, c->argv[0], &sb)))
        return rc;
    int r = pocketenv_sandbox_list_ports(c->client, sb, &l);
    pocketenv_sandbox_free(sb);
    if (r)
        return out_fail(r);
    if (c->json) {
        out_json(list_json(&pe_type_port, l.items, l.count));
    } else {
        static const char *h[] = { "PORT", "DESCRIPTION", "PREVIEW URL" };
        table t;
        table_init(&t, 3, h);
        for (size_t i = 0; i < l.count; i++) {
            char port[16];
            snprintf(port, sizeof port, "%lld", (long long)l.items[i].port);
            const char *cells[] = { port, l.items[i].description, l.items[i].preview_url };
            const char *colors[] = { NULL, NULL, "link" };
            table_add(&t, cells, colors);
        }
        table_print(c, &t);
        table_free(&t);
    }
    pocketenv_ports_free(&l);
    return 0;
}

static int cmd_vscode(cli *c)
{
    int rc = positionals(c, 1, 1, "pocketenv vscode SANDBOX");
    pocketenv_sandbox *sb = NULL;
    char *url = NULL;
    if (rc || (rc = get_sandbox(c, c->argv[0], &sb)))
        return rc;
    int r = pocketenv_sandbox_vscode(c->client, sb, &url);
    if (r)
        rc = out_fail(r);
    else if (c->json)
        out_json(json_pack("{s:s?}", "previewUrl", url));
    else
        printf("%s\n", url ? url : "(the server returned no URL)");
    free(url);
    pocketenv_sandbox_free(sb);
    return rc;
}

/* ---------------------------------------------------------------- resources */

/* Generic "list" output for the resource tables. */
typedef struct column {
    const char *header, *key; /* key in the wire JSON */
    bool time;
} column;

static void print_resources(cli *c, const pe_type *t, const void *items, size_t count, const column *cols, size_t ncols)
{
    json_t *arr = list_json(t, items, count);
    if (c->json) {
        out_json(arr);
        return;
    }
    const char *headers[8];
    for (size_t i = 0; i < ncols; i++)
        headers[i] = cols[i].header;
    table tb;
    table_init(&tb, ncols, headers);
    for (size_t r = 0; r < json_array_size(arr); r++) {
        const char *cells[8];
        char *owned[8] = { 0 };
        for (size_t i = 0; i < ncols; i++) {
            json_t *v = json_object_get(json_array_get(arr, r), cols[i].key);
            if (cols[i].time)
                cells[i] = owned[i] = out_relative_time(json_string_value(v), false);
            else if (json_is_integer(v))
                cells[i] = owned[i] = pe_strprintf("%lld", (long long)json_integer_value(v));
            else if (json_is_array(v))
                cells[i] = owned[i] = json_dumps(v, JSON_COMPACT);
            else
                cells[i] = json_string_value(v);
        }
        table_add(&tb, cells, NULL);
        for (size_t i = 0; i < ncols; i++)
            free(owned[i]);
    }
    table_print(c, &tb);
    table_free(&tb);
    json_decref(arr);
}

static int done(cli *c, int r, const char *msg)
{
    if (r)
        return out_fail(r);
    out_success(c, "%s", msg);
    return 0;
}

static int cmd_secret_put(cli *c)
{
    int rc = positionals(c, 2, 2, "pocketenv secret put SANDBOX NAME   (the value is read from stdin or a hidden prompt)");
    pocketenv_sandbox *sb = NULL;
    if (rc || (rc = get_sandbox(c, c->argv[0], &sb)))
        return rc;
    char *value = read_secret("value");
    if (!value) {
        pocketenv_sandbox_free(sb);
        return out_usage("the secret value is empty");
    }
    rc = done(c, pocketenv_secret_put(c->client, sb->id, c->argv[1], value), "Secret added successfully");
    memset(value, 0, strlen(value));
    free(value);
    pocketenv_sandbox_free(sb);
    return rc;
}

static int cmd_secret_list(cli *c)
{
    static const column cols[] = { { "ID", "id", false }, { "NAME", "name", false }, { "CREATED AT", "createdAt", true } };
    int rc = positionals(c, 1, 1, "pocketenv secret list SANDBOX");
    pocketenv_sandbox *sb = NULL;
    pocketenv_secrets l;
    if (rc || (rc = get_sandbox(c, c->argv[0], &sb)))
        return rc;
    int r = pocketenv_secret_list(c->client, sb->id, 100, 0, &l);
    pocketenv_sandbox_free(sb);
    if (r)
        return out_fail(r);
    print_resources(c, &pe_type_secret, l.items, l.count, cols, 3);
    pocketenv_secrets_free(&l);
    return 0;
}

static int cmd_env_put(cli *c)
{
    int rc = positionals(c, 3, 3, "pocketenv env put SANDBOX NAME VALUE");
    pocketenv_sandbox *sb = NULL;
    if (rc || (rc = get_sandbox(c, c->argv[0], &sb)))
        return rc;
    rc = done(c, pocketenv_variable_put(c->client, sb->id, c->argv[1], c->argv[2]), "Variable updated successfully");
    pocketenv_sandbox_free(sb);
    return rc;
}

static int cmd_env_list(cli *c)
{
    static const column cols[] = { { "ID", "id", false }, { "NAME", "name", false }, { "VALUE", "value", false },
                                   { "CREATED AT", "createdAt", true } };
    int rc = positionals(c, 1, 1, "pocketenv env list SANDBOX");
    pocketenv_sandbox *sb = NULL;
    pocketenv_variables l;
    if (rc || (rc = get_sandbox(c, c->argv[0], &sb)))
        return rc;
    int r = pocketenv_variable_list(c->client, sb->id, 100, 0, &l);
    pocketenv_sandbox_free(sb);
    if (r)
        return out_fail(r);
    print_resources(c, &pe_type_variable, l.items, l.count, cols, 4);
    pocketenv_variables_free(&l);
    return 0;
}

static int cmd_file_put(cli *c)
{
    int rc = positionals(c, 2, 3, "pocketenv file put SANDBOX PATH [LOCAL_FILE]   (content from stdin when piped)");
    pocketenv_sandbox *sb = NULL;
    if (rc)
        return rc;
    const char *from = c->argc > 2 ? c->argv[2] : (!isatty(0) ? "-" : NULL);
    if (!from)
        return out_usage("give a LOCAL_FILE or pipe the content on stdin");
    char *content = read_file_text(from);
    if (!content) {
        fprintf(stderr, "pocketenv: error: cannot read %s: %s\n", from, strerror(errno));
        return EXIT_LOCAL;
    }
    if (!(rc = get_sandbox(c, c->argv[0], &sb)))
        rc = done(c, pocketenv_file_put(c->client, sb->id, c->argv[1], content), "File saved successfully");
    free(content);
    pocketenv_sandbox_free(sb);
    return rc;
}

static int cmd_file_list(cli *c)
{
    static const column cols[] = { { "ID", "id", false }, { "PATH", "path", false }, { "CREATED AT", "createdAt", true } };
    int rc = positionals(c, 1, 1, "pocketenv file list SANDBOX");
    pocketenv_sandbox *sb = NULL;
    pocketenv_files l;
    if (rc || (rc = get_sandbox(c, c->argv[0], &sb)))
        return rc;
    int r = pocketenv_file_list(c->client, sb->id, 100, 0, &l);
    pocketenv_sandbox_free(sb);
    if (r)
        return out_fail(r);
    print_resources(c, &pe_type_file, l.items, l.count, cols, 3);
    pocketenv_files_free(&l);
    return 0;
}

static int cmd_volume_put(cli *c)
{
    bool ro = take_flag(c, "--read-only", NULL);
    int rc = positionals(c, 3, 3, "pocketenv volume put SANDBOX NAME PATH [--read-only]");
    pocketenv_sandbox *sb = NULL;
    if (rc || (rc = get_sandbox(c, c->argv[0], &sb)))
        return rc;
    rc = done(c, pocketenv_volume_put(c->client, sb->id, c->argv[1], c->argv[2], ro), "Volume saved successfully");
    pocketenv_sandbox_free(sb);
    return rc;
}

static int cmd_volume_list(cli *c)
{
    static const column cols[] = { { "ID", "id", false }, { "NAME", "name", false }, { "PATH", "path", false },
                                   { "CREATED AT", "createdAt", true } };
    int rc = positionals(c, 1, 1, "pocketenv volume list SANDBOX");
    pocketenv_sandbox *sb = NULL;
    pocketenv_volumes l;
    if (rc || (rc = get_sandbox(c, c->argv[0], &sb)))
        return rc;
    int r = pocketenv_volume_list(c->client, sb->id, 100, 0, &l);
    pocketenv_sandbox_free(sb);
    if (r)
        return out_fail(r);
    print_resources(c, &pe_type_volume, l.items, l.count, cols, 4);
    pocketenv_volumes_free(&l);
    return 0;
}

/* "delete ID" for secrets, variables, files, volumes; and service start/stop/restart/delete. */
typedef int (*by_id_fn)(pocketenv_client *, const char *);
static int by_id(cli *c, by_id_fn fn, const char *usage, const char *msg)
{
    int rc = positionals(c, 1, 1, usage);
    if (rc)
        return rc;
    int r = fn(c->client, c->argv[0]);
    return msg ? done(c, r, msg) : (r ? out_fail(r) : 0);
}

static int cmd_secret_delete(cli *c) { return by_id(c, pocketenv_secret_delete, "pocketenv secret delete SECRET_ID", "Secret deleted successfully"); }
static int cmd_env_delete(cli *c) { return by_id(c, pocketenv_variable_delete, "pocketenv env delete VARIABLE_ID", "Variable deleted successfully"); }
static int cmd_file_delete(cli *c) { return by_id(c, pocketenv_file_delete, "pocketenv file delete FILE_ID", "File deleted successfully"); }
static int cmd_volume_delete(cli *c) { return by_id(c, pocketenv_volume_delete, "pocketenv volume delete VOLUME_ID", "Volume deleted successfully"); }
static int cmd_service_delete(cli *c) { return by_id(c, pocketenv_service_delete, "pocketenv service delete SERVICE_ID", "Service deleted successfully"); }
static int cmd_service_start(cli *c) { return by_id(c, pocketenv_service_start, "pocketenv service start SERVICE_ID", NULL); }
static int cmd_service_stop(cli *c) { return by_id(c, pocketenv_service_stop, "pocketenv service stop SERVICE_ID", NULL); }
static int cmd_service_restart(cli *c) { return by_id(c, pocketenv_service_restart, "pocketenv service restart SERVICE_ID", NULL); }
static int cmd_backup_restore(cli *c) { return by_id(c, pocketenv_restore_backup, "pocketenv backup restore BACKUP_ID", "Backup restored successfully"); }

static int cmd_service_create(cli *c)
{
    const char *desc = take_opt(c, "--description", "-d");
    int ports[32];
    size_t nports = 0;
    const char *p;
    while ((p = take_opt(c, "--ports", "-p")) != NULL && nports < 32) {
        /* "-p 80 -p 443" or "-p 80,443" */
        char *copy = strdup(p), *save = NULL;
        for (char *tok = strtok_r(copy, ",", &save); tok && nports < 32; tok = strtok_r(NULL, ",", &save))
            if (parse_port(tok, &ports[nports++])) {
                free(copy);
                return EXIT_USAGE;
            }
        free(copy);
    }
    if (c->argc < 3)
        return out_usage("pocketenv service create SANDBOX NAME COMMAND... [--description D] [--ports P,...]");
    pocketenv_sandbox *sb = NULL;
    int rc = get_sandbox(c, c->argv[0], &sb);
    if (rc)
        return rc;
    char *line = c->argc == 3 ? strdup(c->argv[2]) : pocketenv_shell_join((size_t)c->argc - 2, (const char *const *)c->argv + 2);
    rc = done(c, pocketenv_service_add(c->client, sb->id, c->argv[1], line, desc, ports, nports), "Service created successfully");
    free(line);
    pocketenv_sandbox_free(sb);
    return rc;
}

static int cmd_service_list(cli *c)
{
    static const column cols[] = { { "ID", "id", false }, { "NAME", "name", false }, { "COMMAND", "command", false },
                                   { "STATUS", "status", false }, { "PORTS", "ports", false }, { "CREATED AT", "createdAt", true } };
    int rc = positionals(c, 1, 1, "pocketenv service list SANDBOX");
    pocketenv_sandbox *sb = NULL;
    pocketenv_services l;
    if (rc || (rc = get_sandbox(c, c->argv[0], &sb)))
        return rc;
    int r = pocketenv_service_list(c->client, sb->id, &l);
    pocketenv_sandbox_free(sb);
    if (r)
        return out_fail(r);
    print_resources(c, &pe_type_service, l.items, l.count, cols, 6);
    pocketenv_services_free(&l);
    return 0;
}

/* ---------------------------------------------------------------- backups */

static int parse_ttl(const char *s, int64_t *out)
{
    char *end;
    long long n = strtoll(s, &end, 10);
    long mult = !strcmp(end, "m") ? 60 : !strcmp(end, "h") ? 3600 : !strcmp(end, "d") ? 86400 : 0;
    if (end == s || n <= 0 || !mult)
        return out_usage("--ttl must look like 30m, 12h or 3d, not '%s'", s);
    *out = n * mult;
    return 0;
}

static int cmd_backup_create(cli *c)
{
    const char *desc = take_opt(c, "--description", "-d"), *ttl = take_opt(c, "--ttl", "-t");
    int64_t secs = 3 * 86400;
    int rc = positionals(c, 2, 2, "pocketenv backup create SANDBOX DIRECTORY [--description D] [--ttl 3d]");
    pocketenv_sandbox *sb = NULL;
    if (rc || (ttl && (rc = parse_ttl(ttl, &secs))) || (rc = get_sandbox(c, c->argv[0], &sb)))
        return rc;
    rc = done(c, pocketenv_sandbox_create_backup(c->client, sb, c->argv[1], desc, secs),
              "Backup created; see it with 'pocketenv backup list'");
    pocketenv_sandbox_free(sb);
    return rc;
}

static int cmd_backup_list(cli *c)
{
    int rc = positionals(c, 1, 1, "pocketenv backup list SANDBOX");
    pocketenv_sandbox *sb = NULL;
    pocketenv_backups l;
    if (rc || (rc = get_sandbox(c, c->argv[0], &sb)))
        return rc;
    int r = pocketenv_sandbox_list_backups(c->client, sb, &l);
    pocketenv_sandbox_free(sb);
    if (r)
        return out_fail(r);
    if (c->json) {
        out_json(list_json(&pe_type_backup, l.items, l.count));
    } else {
        static const char *h[] = { "BACKUP ID", "DIRECTORY", "CREATED AT", "EXPIRES AT" };
        table t;
        table_init(&t, 4, h);
        for (size_t i = 0; i < l.count; i++) {
            char *cr = out_relative_time(l.items[i].created_at, false);
            char *ex = l.items[i].expires_at ? out_relative_time(l.items[i].expires_at, false) : strdup("Never");
            const char *cells[] = { l.items[i].id, l.items[i].directory, cr, ex };
            table_add(&t, cells, NULL);
            free(cr);
            free(ex);
        }
        table_print(c, &t);
        table_free(&t);
    }
    pocketenv_backups_free(&l);
    return 0;
}

/* ---------------------------------------------------------------- keys */

static int cmd_sshkeys_put(cli *c)
{
    const char *priv_path = take_opt(c, "--private-key", NULL), *pub_path = take_opt(c, "--public-key", NULL);
    bool gen = take_flag(c, "--generate", "-g");
    int rc = positionals(c, 1, 1, "pocketenv sshkeys put SANDBOX (--generate | --private-key FILE --public-key FILE)");
    if (rc)
        return rc;
    if (!gen && (!priv_path || !pub_path))
        return out_usage("pocketenv sshkeys put SANDBOX needs --generate or both --private-key and --public-key");
    char *priv = NULL, *pub = NULL;
    if (gen)
        rc = pocketenv_ssh_keygen_ed25519(NULL, &priv, &pub) ? out_fail(POCKETENV_ERROR) : 0;
    else if (!(priv = read_file_text(priv_path)) || !(pub = read_file_text(pub_path)))
        rc = (fprintf(stderr, "pocketenv: error: cannot read the key files: %s\n", strerror(errno)), EXIT_LOCAL);
    if (!rc && (strncmp(priv, "-----BEGIN", 10) != 0 || !*pub))
        rc = out_usage("the private key must be a PEM block (-----BEGIN ...) and the public key must not be empty");
    if (pub)
        pub[strcspn(pub, "\n")] = '\0';
    pocketenv_sandbox *sb = NULL;
    if (!rc && !(rc = get_sandbox(c, c->argv[0], &sb)))
        rc = done(c, pocketenv_ssh_keys_put(c->client, sb->id, priv, pub), "SSH keys saved successfully!");
    if (!rc && gen && !c->json)
        printf("%s\n", pub);
    if (priv)
        memset(priv, 0, strlen(priv));
    free(priv);
    free(pub);
    pocketenv_sandbox_free(sb);
    return rc;
}

static int cmd_sshkeys_get(cli *c)
{
    int rc = positionals(c, 1, 1, "pocketenv sshkeys get SANDBOX");
    pocketenv_sandbox *sb = NULL;
    pocketenv_ssh_keys *k = NULL;
    if (rc || (rc = get_sandbox(c, c->argv[0], &sb)))
        return rc;
    int r = pocketenv_ssh_keys_get(c->client, sb->id, &k);
    pocketenv_sandbox_free(sb);
    if (r)
        return out_fail(r);
    if (c->json) {
        out_json(pe_encode(&pe_type_ssh_keys, k));
    } else {
        printf("Private Key:\n");
        for (const char *p = k->private_key ? k->private_key : ""; *p; p++) /* the display copy escapes newlines */
            if (p[0] == '\\' && p[1] == 'n') {
                putchar('\n');
                p++;
            } else {
                putchar(*p);
            }
        printf("\n\nPublic Key:\n%s\n", k->public_key ? k->public_key : "");
    }
    pocketenv_ssh_keys_free(k);
    return 0;
}

static int cmd_tailscale_put(cli *c)
{
    int rc = positionals(c, 1, 1, "pocketenv tailscale put SANDBOX   (the key is read from stdin or a hidden prompt)");
    pocketenv_sandbox *sb = NULL;
    if (rc || (rc = get_sandbox(c, c->argv[0], &sb)))
        return rc;
    char *key = read_secret("Tailscale auth key");
    if (!key)
        rc = out_usage("the auth key is empty");
    else
        rc = done(c, pocketenv_tailscale_auth_key_put(c->client, sb->id, key), "Tailscale auth key saved successfully");
    if (key)
        memset(key, 0, strlen(key));
    free(key);
    pocketenv_sandbox_free(sb);
    return rc;
}

static int cmd_tailscale_get(cli *c)
{
    int rc = positionals(c, 1, 1, "pocketenv tailscale get SANDBOX");
    pocketenv_sandbox *sb = NULL;
    pocketenv_tailscale_auth_key *k = NULL;
    if (rc || (rc = get_sandbox(c, c->argv[0], &sb)))
        return rc;
    int r = pocketenv_tailscale_auth_key_get(c->client, sb->id, &k);
    pocketenv_sandbox_free(sb);
    if (r)
        return out_fail(r);
    if (c->json)
        out_json(pe_encode(&pe_type_tailscale, k));
    else
        printf("Tailscale auth key: %s\n", k->auth_key ? k->auth_key : "");
    pocketenv_tailscale_auth_key_free(k);
    return 0;
}

/* ---------------------------------------------------------------- the table */

const command COMMANDS[] = {
    { "whoami", { 0 }, cmd_whoami, true, "whoami", "show the account in use" },
    { "login", { 0 }, cmd_login, false, "login --token TOKEN", "store a token in ~/.pocketenv/token.json (mode 0600)" },
    { "logout", { 0 }, cmd_logout, false, "logout", "remove the stored token" },
    { "ls", { 0 }, cmd_ls, true, "ls", "list your sandboxes" },
    { "ps", { 0 }, cmd_ps, true, "ps", "list your running sandboxes" },
    { "create", { "new" }, cmd_create, true, "create [NAME] [-p PROVIDER] [-b BASE] [-r REPO] [-k] [--wait]", "create a sandbox" },
    { "start", { 0 }, cmd_start, true, "start SANDBOX [-r REPO] [-k]", "start a sandbox" },
    { "stop", { 0 }, cmd_stop, true, "stop SANDBOX", "stop a sandbox" },
    { "rm", { "delete", "remove" }, cmd_rm, true, "rm SANDBOX", "delete a sandbox" },
    { "wait", { 0 }, cmd_wait, true, "wait SANDBOX [--timeout SECONDS]", "wait until a sandbox is running" },
    { "exec", { 0 }, cmd_exec, true, "exec SANDBOX COMMAND [ARGS...]", "run a command (exit status is the command's)" },
    { "cp", { "copy" }, cmd_cp, true, "cp SOURCE DESTINATION", "copy files in, out or between sandboxes (SANDBOX:/path)" },
    { "expose", { 0 }, cmd_expose, true, "expose SANDBOX PORT [DESCRIPTION]", "expose a port" },
    { "unexpose", { 0 }, cmd_unexpose, true, "unexpose SANDBOX PORT", "stop exposing a port" },
    { "ports", { 0 }, cmd_ports, true, "ports SANDBOX", "list exposed ports" },
    { "vscode", { "code", "code-server" }, cmd_vscode, true, "vscode SANDBOX", "open VS Code in the browser" },
    { "backup create", { 0 }, cmd_backup_create, true, "backup create SANDBOX DIRECTORY [-d TEXT] [-t TTL]", "back up a directory" },
    { "backup list", { "backup ls" }, cmd_backup_list, true, "backup list SANDBOX", "list backups" },
    { "backup restore", { 0 }, cmd_backup_restore, true, "backup restore BACKUP_ID", "restore a backup" },
    { "volume put", { 0 }, cmd_volume_put, true, "volume put SANDBOX NAME PATH", "add or update a volume" },
    { "volume list", { "volume ls" }, cmd_volume_list, true, "volume list SANDBOX", "list volumes" },
    { "volume delete", { "volume rm", "volume remove" }, cmd_volume_delete, true, "volume delete ID", "delete a volume" },
    { "file put", { 0 }, cmd_file_put, true, "file put SANDBOX PATH [LOCAL_FILE]", "add or update a file (sealed)" },
    { "file list", { "file ls" }, cmd_file_list, true, "file list SANDBOX", "list files" },
    { "file delete", { "file rm", "file remove" }, cmd_file_delete, true, "file delete ID", "delete a file" },
    { "secret put", { 0 }, cmd_secret_put, true, "secret put SANDBOX NAME", "add or update a secret (value from stdin)" },
    { "secret list", { "secret ls" }, cmd_secret_list, true, "secret list SANDBOX", "list secrets (names only)" },
    { "secret delete", { "secret rm", "secret remove" }, cmd_secret_delete, true, "secret delete ID", "delete a secret" },
    { "env put", { 0 }, cmd_env_put, true, "env put SANDBOX NAME VALUE", "add or update a variable" },
    { "env list", { "env ls" }, cmd_env_list, true, "env list SANDBOX", "list variables" },
    { "env delete", { "env rm", "env remove" }, cmd_env_delete, true, "env delete ID", "delete a variable" },
    { "sshkeys put", { 0 }, cmd_sshkeys_put, true, "sshkeys put SANDBOX (--generate | --private-key F --public-key F)", "store SSH keys" },
    { "sshkeys get", { 0 }, cmd_sshkeys_get, true, "sshkeys get SANDBOX", "show SSH keys (private key redacted)" },
    { "tailscale put", { 0 }, cmd_tailscale_put, true, "tailscale put SANDBOX", "store a Tailscale auth key (from stdin)" },
    { "tailscale get", { 0 }, cmd_tailscale_get, true, "tailscale get SANDBOX", "show the redacted Tailscale auth key" },
    { "service create", { 0 }, cmd_service_create, true, "service create SANDBOX NAME COMMAND... [-d TEXT] [-p PORTS]", "add a service" },
    { "service list", { "service ls" }, cmd_service_list, true, "service list SANDBOX", "list services" },
    { "service delete", { "service rm", "service remove" }, cmd_service_delete, true, "service delete ID", "delete a service" },
    { "service start", { 0 }, cmd_service_start, true, "service start ID", "start a service" },
    { "service stop", { 0 }, cmd_service_stop, true, "service stop ID", "stop a service" },
    { "service restart", { 0 }, cmd_service_restart, true, "service restart ID", "restart a service" },
};
const size_t NCOMMANDS = sizeof COMMANDS / sizeof *COMMANDS;

const command *find_command(const char *group, const char *name)
{
    char full[128];
    if (name)
        snprintf(full, sizeof full, "%s %s", group, name);
    else
        snprintf(full, sizeof full, "%s", group);
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (!strcmp(COMMANDS[i].name, full))
            return &COMMANDS[i];
        for (size_t k = 0; k < 4 && COMMANDS[i].aliases[k]; k++)
            if (!strcmp(COMMANDS[i].aliases[k], full))
                return &COMMANDS[i];
    }
    return NULL;
}
