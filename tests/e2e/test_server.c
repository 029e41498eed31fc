/*
 * pocketenvd over raw HTTP (exact wire shapes and the XRPC framework's rules), and the server's
 * behaviour under restarts, crashes, limits and faults.
 */
#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <dirent.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../support/check.h"
#include "../support/harness.h"

static pe_test_server srv;
static pocketenv_client *cli;

typedef struct reply {
    long status;
    char body[1 << 16];
    size_t len;
    char retry_after[32];
    char content_type[128];
    long connects;
} reply;

static size_t on_body(char *d, size_t s, size_t n, void *p)
{
    reply *r = p;
    size_t len = s * n, room = sizeof r->body - 1 - r->len;
    memcpy(r->body + r->len, d, len < room ? len : room);
    r->len += len < room ? len : room;
    r->body[r->len] = '\0';
    return len;
}

static size_t on_header(char *d, size_t s, size_t n, void *p)
{
    reply *r = p;
    if (!strncasecmp(d, "Retry-After:", 12))
        sscanf(d + 12, " %31s", r->retry_after);
    if (!strncasecmp(d, "Content-Type:", 13))
        sscanf(d + 13, " %127[^\r\n]", r->content_type);
    return s * n;
}

static CURL *shared_handle;

/* One raw request. body == NULL: no body at all (no Content-Length); headers: NULL-terminated. */
static reply *http(const char *method, const char *path, const char *body, const char *const *headers, const char *token)
{
    static reply r;
    memset(&r, 0, sizeof r);
    CURL *h = shared_handle ? shared_handle : (shared_handle = curl_easy_init());
    curl_easy_reset(h);
    char url[512], auth[256];
    snprintf(url, sizeof url, "%s%s", srv.url, path);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    struct curl_slist *hl = curl_slist_append(NULL, "Expect:");
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        hl = curl_slist_append(hl, auth);
    }
    for (int i = 0; headers && headers[i]; i++)
        hl = curl_slist_append(hl, headers[i]);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
        hl = curl_slist_append(hl, "Content-Type:"); /* callers add their own */
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &r);
    if (curl_easy_perform(h) != CURLE_OK)
        fail_msg("request %s %s failed", method, path);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &r.connects);
    curl_slist_free_all(hl);
    return &r;
}

static const char *JSON[] = { "Content-Type: application/json", NULL };

static int setup(void **state)
{
    (void)state;
    const char *args[] = { "--exec-timeout", "2", "--max-pids", "64", NULL };
    if (pe_test_server_start(&srv, args) != 0)
        return -1;
    cli = pe_test_client(&srv, NULL);
    return cli ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    if (shared_handle)
        curl_easy_cleanup(shared_handle);
    pocketenv_client_free(cli);
    return pe_test_server_cleanup(&srv);
}

static pocketenv_sandbox *new_sandbox(const char *name, int64_t memory)
{
    pocketenv_create_options o = POCKETENV_CREATE_OPTIONS_INIT;
    o.name = name;
    o.memory = memory;
    pocketenv_sandbox *sb = NULL;
    OK(pocketenv_sandbox_create(cli, &sb, &o));
    return sb;
}

static pocketenv_exec_result *run(pocketenv_sandbox *sb, const char *cmd)
{
    pocketenv_exec_result *r = NULL;
    OK(pocketenv_sandbox_exec(cli, sb, cmd, &r));
    return r;
}

/* ---------------------------------------------------------------- wire shapes */

static void shapes_of_success(void **state)
{
    (void)state;
    reply *r = http("GET", "/", NULL, NULL, NULL);
    assert_int_equal(r->status, 200);
    CONTAINS(r->body, "pocketenvd");
    r = http("GET", "/xrpc/io.pocketenv.sandbox.getSandbox?id=nope", NULL, NULL, srv.token);
    assert_int_equal(r->status, 200);
    assert_string_equal(r->body, "{}"); /* not found is a 200 "{}" */
    r = http("POST", "/xrpc/io.pocketenv.sandbox.createSandbox", "{\"base\":\"openclaw\",\"name\":\"wire\"}", JSON, srv.token);
    assert_int_equal(r->status, 200);
    json_t *j = json_loads(r->body, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "name")), "wire");
    assert_null(json_object_get(j, "status")); /* the create answer has no status */
    assert_non_null(json_object_get(j, "uri"));
    json_decref(j);
    r = http("GET", "/xrpc/io.pocketenv.sandbox.getSandbox?id=wire", NULL, NULL, srv.token);
    j = json_loads(r->body, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "sandbox"), "status")), "RUNNING");
    json_decref(j);
    r = http("POST", "/xrpc/io.pocketenv.sandbox.stopSandbox?id=wire", NULL, NULL, srv.token);
    assert_int_equal(r->status, 200);
    assert_string_equal(r->body, "{}");
    /* startSandbox: Content-Length 0 with a JSON type is an empty input, accepted */
    r = http("POST", "/xrpc/io.pocketenv.sandbox.startSandbox?id=wire", "", JSON, srv.token);
    assert_int_equal(r->status, 200);
    char body[200];
    snprintf(body, sizeof body, "{\"variable\":{\"sandboxId\":\"wire\",\"name\":\"A\",\"value\":\"1\"}}");
    r = http("POST", "/xrpc/io.pocketenv.variable.addVariable", body, JSON, srv.token);
    assert_int_equal(r->status, 200);
    assert_int_equal(r->len, 0); /* procedures may answer with an empty body */
    r = http("GET", "/xrpc/io.pocketenv.secret.getSecret?id=secret_none", NULL, NULL, srv.token);
    assert_string_equal(r->body, "{}");
    r = http("GET", "/xrpc/io.pocketenv.actor.getProfile?did=nobody.example", NULL, NULL, NULL);
    assert_string_equal(r->body, "{}");
    r = http("POST", "/xrpc/io.pocketenv.sandbox.exposePort?id=wire", "{\"port\":18777}", JSON, srv.token);
    CONTAINS(r->body, "\"previewUrl\"");
    r = http("GET", "/xrpc/io.pocketenv.sandbox.getExposedPorts?id=wire", NULL, NULL, srv.token);
    CONTAINS(r->body, "\"ports\"");
    CONTAINS(r->body, "18777");
}

static void framework_rules(void **state)
{
    (void)state;
    reply *r = http("POST", "/xrpc/io.pocketenv.sandbox.stopSandbox?id=wire", "{}", JSON, srv.token);
    assert_int_equal(r->status, 400);
    CONTAINS(r->body, "A request body was provided when none was expected");
    r = http("POST", "/xrpc/io.pocketenv.sandbox.startSandbox?id=wire", NULL, NULL, srv.token);
    assert_int_equal(r->status, 400);
    CONTAINS(r->body, "A request body is expected but none was provided");
    r = http("POST", "/xrpc/io.pocketenv.sandbox.startSandbox?id=wire", "{}", NULL, srv.token);
    assert_int_equal(r->status, 400);
    CONTAINS(r->body, "Request encoding (Content-Type) required but not provided");
    const char *text[] = { "Content-Type: text/plain", NULL };
    r = http("POST", "/xrpc/io.pocketenv.sandbox.startSandbox?id=wire", "{}", text, srv.token);
    CONTAINS(r->body, "Wrong request encoding (Content-Type): text/plain");
    const char *charset[] = { "Content-Type: application/json; charset=utf-8", NULL };
    r = http("POST", "/xrpc/io.pocketenv.sandbox.startSandbox?id=wire", "{}", charset, srv.token);
    assert_int_equal(r->status, 200);
    r = http("GET", "/xrpc/io.pocketenv.sandbox.stopSandbox?id=wire", NULL, NULL, srv.token);
    assert_int_equal(r->status, 400);
    CONTAINS(r->body, "Incorrect HTTP method (GET) expected POST");
    r = http("GET", "/xrpc/io.pocketenv.nothing.here", NULL, NULL, srv.token);
    assert_int_equal(r->status, 501);
    CONTAINS(r->body, "MethodNotImplemented");
    r = http("GET", "/xrpc/io.pocketenv.sandbox.getSandbox", NULL, NULL, srv.token);
    assert_int_equal(r->status, 400);
    CONTAINS(r->body, "Params must have the property \\\"id\\\"");
    r = http("POST", "/xrpc/io.pocketenv.sandbox.exec?id=wire", "{\"cmd\":1}", JSON, srv.token);
    assert_int_equal(r->status, 400);
    CONTAINS(r->body, "Input must have the property \\\"command\\\"");
    r = http("POST", "/xrpc/io.pocketenv.sandbox.exec?id=wire", "{\"command\":", JSON, srv.token);
    assert_int_equal(r->status, 400);
    CONTAINS(r->body, "SyntaxError");
    r = http("POST", "/xrpc/io.pocketenv.sandbox.exposePort?id=wire", "{\"port\":80}", JSON, srv.token);
    CONTAINS(r->body, "Input/port can not be less than 1025");
    char *big = malloc(200 * 1024);
    memset(big, 'a', 200 * 1024 - 1);
    big[0] = '"';
    big[200 * 1024 - 2] = '"';
    big[200 * 1024 - 1] = '\0';
    r = http("POST", "/xrpc/io.pocketenv.sandbox.exec?id=wire", big, JSON, srv.token);
    free(big);
    assert_int_equal(r->status, 413);
    /* authentication */
    r = http("POST", "/xrpc/io.pocketenv.sandbox.createSandbox", "{\"base\":\"x\"}", JSON, NULL);
    assert_int_equal(r->status, 401);
    r = http("GET", "/xrpc/io.pocketenv.sandbox.getSandbox?id=wire", NULL, NULL, "pe_forged");
    assert_int_equal(r->status, 401); /* a bad token is a 401, not a 500 */
    CONTAINS(r->body, "AuthenticationRequired");
    r = http("GET", "/xrpc/io.pocketenv.sandbox.getSandbox?id=wire", NULL, NULL, NULL);
    assert_string_equal(r->body, "{}"); /* anonymous callers see nothing of a user's sandbox */
}

static void keep_alive_reuses_the_connection(void **state)
{
    (void)state;
    reply *r = http("GET", "/xrpc/io.pocketenv.sandbox.getSandbox?id=wire", NULL, NULL, srv.token);
    r = http("GET", "/xrpc/io.pocketenv.sandbox.getSandbox?id=wire", NULL, NULL, srv.token);
    assert_int_equal(r->connects, 0); /* no new connection for the second request */
    r = http("POST", "/xrpc/io.pocketenv.sandbox.exec?id=wire", "{\"command\":\"true\"}", JSON, srv.token);
    r = http("POST", "/xrpc/io.pocketenv.sandbox.exec?id=wire", "{\"command\":\"true\"}", JSON, srv.token);
    assert_int_equal(r->connects, 0);
}

static void storage_routes(void **state)
{
    (void)state;
    reply *r = http("POST", "/cp", NULL, NULL, NULL);
    assert_int_equal(r->status, 401);
    assert_string_equal(r->body, "{\"error\":\"Unauthorized\"}");
    const char *form[] = { "Content-Type: multipart/form-data; boundary=XyZ", NULL };
    r = http("POST", "/cp", "--XyZ\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--XyZ--\r\n", form, srv.token);
    assert_int_equal(r->status, 400);
    assert_string_equal(r->body, "{\"error\":\"No file uploaded\"}");
    r = http("POST", "/cp?uuid=my-key", "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.tar.gz\"\r\n"
                                       "Content-Type: application/gzip\r\n\r\nDATA\r\n--XyZ--\r\n", form, srv.token);
    assert_int_equal(r->status, 200);
    assert_string_equal(r->body, "{\"uuid\":\"my-key\"}");
    char *other = pe_test_add_user(&srv, "eve");
    r = http("GET", "/cp/my-key", NULL, NULL, other);
    assert_int_equal(r->status, 404); /* blobs belong to their uploader */
    r = http("GET", "/cp/my-key", NULL, NULL, srv.token);
    assert_int_equal(r->status, 200);
    assert_string_equal(r->body, "DATA");
    assert_string_equal(r->content_type, "application/gzip");
    r = http("GET", "/cp/my-key", NULL, NULL, srv.token);
    assert_int_equal(r->status, 404); /* single use */
    assert_string_equal(r->body, "{\"error\":\"File not found\"}");
    free(other);
}

/* ---------------------------------------------------------------- limits */

static void exec_time_limit_and_background_children(void **state)
{
    (void)state;
    pocketenv_sandbox *sb = NULL;
    OK(pocketenv_sandbox_get(cli, "wire", &sb));
    pocketenv_exec_result *r = run(sb, "sleep 30");
    assert_int_equal(r->exit_code, 124);
    CONTAINS(r->stderr_text, "killed after");
    pocketenv_exec_result_free(r);
    r = run(sb, "sleep 100 > /dev/null & echo returned"); /* does not wait for the background child */
    assert_string_equal(r->stdout_text, "returned\n");
    pocketenv_exec_result_free(r);
    pocketenv_sandbox_free(sb);
}

/* A plain command line ("prog args") starts the program without a shell in between; what the
 * command sees and what the caller gets back must not change. */
static void plain_commands_run_as_the_shell_would(void **state)
{
    (void)state;
    pocketenv_sandbox *sb = NULL;
    OK(pocketenv_sandbox_get(cli, "wire", &sb));
    pocketenv_exec_result *direct = run(sb, "env"), *shell = run(sb, "env;");
    CONTAINS(direct->stdout_text, "PWD=/root\n"); /* the shell exports PWD, so the direct start does */
    CONTAINS(direct->stdout_text, "POCKETENV_SANDBOX=wire\n");
    size_t lines_direct = 0, lines_shell = 0;
    for (const char *p = direct->stdout_text; *p; p++)
        lines_direct += *p == '\n';
    for (const char *p = shell->stdout_text; *p; p++)
        lines_shell += *p == '\n';
    assert_int_equal(lines_direct, lines_shell);
    pocketenv_exec_result_free(direct);
    pocketenv_exec_result_free(shell);
    /* no shell between the init and the program */
    pocketenv_exec_result *r = run(sb, "cut -d ' ' -f 4 /proc/self/stat");
    assert_string_equal(r->stdout_text, "1\n");
    pocketenv_exec_result_free(r);
    /* quoted words as pocketenv_sandbox_execv sends them */
    const char *words[] = { "/usr/bin/printf", "<%s>", "a b", "it's", "" };
    OK(pocketenv_sandbox_execv(cli, sb, 5, words, &r));
    assert_string_equal(r->stdout_text, "<a b><it's><>");
    pocketenv_exec_result_free(r);
    /* failures read exactly as the shell reports them */
    r = run(sb, "no-such-program --flag");
    assert_int_equal(r->exit_code, 127);
    CONTAINS(r->stderr_text, "no-such-program: not found");
    pocketenv_exec_result_free(r);
    /* a script without #! runs (the shell's fallback for files the kernel cannot start) */
    pocketenv_exec_result_free(run(sb, "printf 'echo from-script\\n' > /root/s; chmod +x /root/s"));
    r = run(sb, "/root/s");
    assert_int_equal(r->exit_code, 0);
    assert_string_equal(r->stdout_text, "from-script\n");
    pocketenv_exec_result_free(r);
    r = run(sb, "ls /no/such/dir");
    assert_int_equal(r->exit_code, 2);
    CONTAINS(r->stderr_text, "No such file or directory");
    pocketenv_exec_result_free(r);
    pocketenv_sandbox_free(sb);
}

static void memory_and_process_limits(void **state)
{
    (void)state;
    if (access("/sys/fs/cgroup/memory/pocketenv", W_OK) != 0)
        skip();
    pocketenv_sandbox *sb = new_sandbox("limited", 1);
    pocketenv_exec_result *r = run(sb, "perl -e '$x = \"a\" x (1600*1024*1024); print length($x)'");
    assert_int_not_equal(r->exit_code, 0); /* killed by the 1 GB limit */
    assert_null(strstr(r->stdout_text, "1677721600"));
    pocketenv_exec_result_free(r);
    r = run(sb, "n=0; for i in $(seq 200); do sleep 20 & n=$((n+1)); done 2>/dev/null; "
                "ps -e -o comm= | grep -c '^sleep$'");
    assert_true(atoi(r->stdout_text) < 64); /* --max-pids 64 */
    pocketenv_exec_result_free(r);
    r = run(sb, "echo still-works");
    assert_string_equal(r->stdout_text, "still-works\n");
    pocketenv_exec_result_free(r);
    OK(pocketenv_sandbox_delete(cli, sb));
    pocketenv_sandbox_free(sb);
}

/* ---------------------------------------------------------------- restarts and crashes */

/* Kills the init process of a sandbox from the host (as a crash would). */
static int kill_sandbox_processes(const char *sandbox_id)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int killed = 0;
    while (d && (e = readdir(d))) {
        char path[300], comm[64] = "", cg[4096] = "";
        snprintf(path, sizeof path, "/proc/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        if (!fgets(comm, sizeof comm, f))
            comm[0] = '\0';
        fclose(f);
        if (strncmp(comm, "pocketenv-init", 14) != 0)
            continue;
        snprintf(path, sizeof path, "/proc/%s/cgroup", e->d_name);
        f = fopen(path, "r");
        size_t n = f ? fread(cg, 1, sizeof cg - 1, f) : 0;
        cg[n] = '\0';
        if (f)
            fclose(f);
        if (strstr(cg, sandbox_id) && kill(atoi(e->d_name), SIGKILL) == 0)
            killed++;
    }
    if (d)
        closedir(d);
    return killed;
}

static void survives_restarts_and_crashes(void **state)
{
    (void)state;
    pocketenv_sandbox *sb = new_sandbox("durable", 0);
    OK(pocketenv_sandbox_set_secret(cli, sb, "KEPT", "across-restarts"));
    pocketenv_exec_result *r = run(sb, "echo data > /workspace/f");
    pocketenv_exec_result_free(r);

    /* crash: the server dies, the sandbox keeps running and is adopted again */
    assert_int_equal(pe_test_server_restart(&srv, 1), 0);
    OK(pocketenv_sandbox_refresh(cli, sb));
    assert_int_equal(sb->status, POCKETENV_STATUS_RUNNING);
    r = run(sb, "cat /workspace/f; echo $KEPT");
    assert_string_equal(r->stdout_text, "data\nacross-restarts\n");
    pocketenv_exec_result_free(r);

    /* crash while the sandbox also dies: it is marked STOPPED, not left RUNNING */
    pe_test_server_stop(&srv, 1);
    if (getuid() == 0 && access("/sys/fs/cgroup/memory/pocketenv", W_OK) == 0)
        assert_true(kill_sandbox_processes(sb->id) >= 1);
    else
        skip();
    assert_int_equal(pe_test_server_restart(&srv, 0), 0);
    OK(pocketenv_sandbox_refresh(cli, sb));
    assert_int_equal(sb->status, POCKETENV_STATUS_STOPPED);
    OK(pocketenv_sandbox_start(cli, sb, NULL));
    r = run(sb, "cat /workspace/f");
    assert_string_equal(r->stdout_text, "data\n");
    pocketenv_exec_result_free(r);

    /* the database is intact */
    char cmd[400], *out = NULL;
    snprintf(cmd, sizeof cmd, "sqlite3 '%s/pocketenvd.db' 'PRAGMA integrity_check' 2>&1", srv.state);
    if (pe_test_sh(cmd, &out) == 0)
        assert_string_equal(out, "ok\n");
    free(out);
    OK(pocketenv_sandbox_delete(cli, sb));
    pocketenv_sandbox_free(sb);
}

typedef struct slow_exec {
    pocketenv_sandbox *sb;
    int rc;
} slow_exec;

static void *slow_exec_main(void *p)
{
    slow_exec *s = p;
    pocketenv_client *c = pe_test_client(&srv, NULL);
    pocketenv_exec_result *r = NULL;
    s->rc = pocketenv_sandbox_exec(c, s->sb, "sleep 1.5; echo done", &r);
    pocketenv_exec_result_free(r);
    pocketenv_client_free(c);
    return NULL;
}

static void server_killed_mid_request(void **state)
{
    (void)state;
    pocketenv_sandbox *sb = new_sandbox("midflight", 0);
    slow_exec s = { sb, 0 };
    pthread_t t;
    pthread_create(&t, NULL, slow_exec_main, &s);
    usleep(300000);
    pe_test_server_stop(&srv, 1);
    pthread_join(t, NULL); /* returns: the client never hangs on a dead server */
    assert_int_equal(s.rc, POCKETENV_ENET);
    assert_int_equal(pe_test_server_restart(&srv, 0), 0);
    OK(pocketenv_sandbox_delete(cli, sb));
    pocketenv_sandbox_free(sb);
}

static void rate_limit_answers_429_with_retry_after(void **state)
{
    (void)state;
    pe_test_server limited;
    const char *args[] = { "--rate-limit", "3", NULL };
    assert_int_equal(pe_test_server_start(&limited, args), 0);
    pocketenv_client_options o = POCKETENV_CLIENT_OPTIONS_INIT;
    o.api_url = limited.url;
    o.token = limited.token;
    o.public_key_hex = limited.public_key;
    o.max_retries = 2;
    o.max_retry_wait_ms = 20;
    pocketenv_client *c = NULL;
    OK(pocketenv_client_new(&c, &o));
    pocketenv_profile *p = NULL;
    for (int i = 0; i < 3; i++) {
        OK(pocketenv_me(c, &p));
        pocketenv_profile_free(p);
    }
    FAILS_WITH(POCKETENV_EHTTP, pocketenv_me(c, &p));
    assert_int_equal(pocketenv_error_last()->http_status, 429);
    CONTAINS(pocketenv_error_last()->message, "Too many requests");
    pe_test_server tmp = srv; /* raw check of the header on the limited server */
    srv = limited;
    CURL *saved = shared_handle;
    shared_handle = NULL;
    reply *r = http("GET", "/xrpc/io.pocketenv.actor.getProfile", NULL, NULL, limited.token);
    assert_int_equal(r->status, 429);
    assert_true(atoi(r->retry_after) >= 1);
    curl_easy_cleanup(shared_handle);
    shared_handle = saved;
    srv = tmp;
    pocketenv_client_free(c);
    assert_int_equal(pe_test_server_cleanup(&limited), 0);
}

/* Writes a tar.gz whose entries are these names (each a small file). */
static void hostile_archive(const char *path, const char *const *names, size_t n)
{
    struct archive *a = archive_write_new();
    archive_write_add_filter_gzip(a);
    archive_write_set_format_pax_restricted(a);
    assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, names[i]);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, 4);
        archive_write_header(a, e);
        archive_write_data(a, "evil", 4);
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
}

static void pull_of_a_hostile_archive_stays_in_its_directory(void **state)
{
    (void)state;
    pocketenv_sandbox *sb = new_sandbox("pull-target", 0);
    char path[300], cmd[1200], *out = NULL;
    snprintf(path, sizeof path, "%s/hostile.tar.gz", srv.state);
    const char *names[] = { "ok.txt", "../escaped.txt", "/abs-escaped.txt", "sub/../../escaped2.txt" };
    hostile_archive(path, names, 4);
    snprintf(cmd, sizeof cmd, "curl -sf -H 'Authorization: Bearer %s' -F 'file=@%s' '%s/cp'", srv.token, path, srv.url);
    assert_int_equal(pe_test_sh(cmd, &out), 0);
    json_t *j = json_loads(out, 0, NULL);
    const char *uuid = json_string_value(json_object_get(j, "uuid"));
    assert_non_null(uuid);
    char body[300];
    snprintf(body, sizeof body, "{\"sandboxId\":\"%s\",\"uuid\":\"%s\",\"directoryPath\":\"/workspace/in\"}", sb->id, uuid);
    int rc = pocketenv_xrpc(cli, "POST", "io.pocketenv.sandbox.pullDirectory", NULL, body, NULL);
    json_decref(j);
    free(out);
    /* the '..' members are refused (and reported); nothing lands outside /workspace/in */
    assert_int_equal(rc, POCKETENV_EHTTP);
    CONTAINS(pocketenv_error_last()->message, "..");
    pocketenv_exec_result *r = run(sb, "ls /workspace; ls /workspace/in; ls / | grep -c escaped || true");
    assert_string_equal(r->stdout_text, "in\nabs-escaped.txt\nok.txt\n0\n");
    pocketenv_exec_result_free(r);
    OK(pocketenv_sandbox_delete(cli, sb));
    pocketenv_sandbox_free(sb);
}

static void only_idempotent_calls_are_retried(void **state)
{
    (void)state;
    pe_test_server flaky;
    const char *args[] = { "--inject-503", "2", NULL };
    assert_int_equal(pe_test_server_start(&flaky, args), 0);
    pocketenv_client *c = pe_test_client(&flaky, NULL);
    pocketenv_profile *p = NULL;
    OK(pocketenv_me(c, &p)); /* a query: two 503s, then success on the third try */
    pocketenv_profile_free(p);
    pocketenv_client_free(c);
    assert_int_equal(pe_test_server_cleanup(&flaky), 0);

    const char *one[] = { "--inject-503", "1", NULL };
    assert_int_equal(pe_test_server_start(&flaky, one), 0);
    c = pe_test_client(&flaky, NULL);
    pocketenv_create_options o = POCKETENV_CREATE_OPTIONS_INIT;
    pocketenv_sandbox *sb = NULL;
    FAILS_WITH(POCKETENV_EHTTP, pocketenv_sandbox_create(c, &sb, &o)); /* a procedure: never retried */
    assert_int_equal(pocketenv_error_last()->http_status, 503);
    OK(pocketenv_sandbox_create(c, &sb, &o)); /* the next call goes through */
    OK(pocketenv_sandbox_delete(c, sb));
    pocketenv_sandbox_free(sb);
    pocketenv_client_free(c);
    assert_int_equal(pe_test_server_cleanup(&flaky), 0);
}

static void stubs_answer_as_the_platform_does(void **state)
{
    (void)state;
    reply *r = http("GET", "/xrpc/io.pocketenv.sandbox.getPreferences?id=wire", NULL, NULL, srv.token);
    assert_string_equal(r->body, "[]");
    r = http("POST", "/xrpc/io.pocketenv.sandbox.putPreferences", "{\"sandboxId\":\"wire\",\"preferences\":[]}", JSON, srv.token);
    assert_int_equal(r->status, 200);
    assert_int_equal(r->len, 0);
    r = http("POST", "/xrpc/io.pocketenv.sandbox.createIntegration", "{\"id\":\"x\",\"name\":\"y\"}", JSON, srv.token);
    assert_string_equal(r->body, "{}");
    r = http("GET", "/xrpc/io.pocketenv.sandbox.getIntegrations?id=x", NULL, NULL, srv.token);
    assert_string_equal(r->body, "{}");
    r = http("POST", "/xrpc/io.pocketenv.sandbox.claimSandbox?id=wire", NULL, NULL, srv.token);
    assert_int_equal(r->status, 404);
    r = http("GET", "/xrpc/io.pocketenv.actor.getTerminalToken", NULL, NULL, srv.token);
    CONTAINS(r->body, "\"token\"");
    r = http("GET", "/xrpc/io.pocketenv.actor.getTerminalToken", NULL, NULL, NULL);
    assert_int_equal(r->status, 401);
    r = http("GET", "/xrpc/io.pocketenv.sandbox.getSandboxes?limit=0", NULL, NULL, srv.token);
    assert_int_equal(r->status, 400);
    CONTAINS(r->body, "Params/limit can not be less than 1");
}

static void idle_sandboxes_stop_unless_keep_alive(void **state)
{
    (void)state;
    pe_test_server idle;
    const char *args[] = { "--idle-timeout", "1", NULL };
    assert_int_equal(pe_test_server_start(&idle, args), 0);
    pocketenv_client *c = pe_test_client(&idle, NULL);
    pocketenv_create_options o = POCKETENV_CREATE_OPTIONS_INIT;
    pocketenv_sandbox *lazy = NULL, *kept = NULL;
    o.name = "lazy";
    OK(pocketenv_sandbox_create(c, &lazy, &o));
    o.name = "kept";
    o.keep_alive = 1;
    OK(pocketenv_sandbox_create(c, &kept, &o));
    int stopped = 0;
    for (int i = 0; i < 50 && !stopped; i++) { /* the sweep runs every second here */
        usleep(100000);
        OK(pocketenv_sandbox_refresh(c, lazy));
        stopped = lazy->status == POCKETENV_STATUS_STOPPED;
    }
    assert_true(stopped);
    OK(pocketenv_sandbox_refresh(c, kept));
    assert_int_equal(kept->status, POCKETENV_STATUS_RUNNING);
    pocketenv_sandbox_free(lazy);
    pocketenv_sandbox_free(kept);
    pocketenv_client_free(c);
    assert_int_equal(pe_test_server_cleanup(&idle), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shapes_of_success),
        cmocka_unit_test(framework_rules),
        cmocka_unit_test(keep_alive_reuses_the_connection),
        cmocka_unit_test(storage_routes),
        cmocka_unit_test(exec_time_limit_and_background_children),
        cmocka_unit_test(plain_commands_run_as_the_shell_would),
        cmocka_unit_test(memory_and_process_limits),
        cmocka_unit_test(survives_restarts_and_crashes),
        cmocka_unit_test(server_killed_mid_request),
        cmocka_unit_test(rate_limit_answers_429_with_retry_after),
        cmocka_unit_test(idle_sandboxes_stop_unless_keep_alive),
        cmocka_unit_test(only_idempotent_calls_are_retried),
        cmocka_unit_test(stubs_answer_as_the_platform_does),
        cmocka_unit_test(pull_of_a_hostile_archive_stays_in_its_directory),
    };
    return cmocka_run_group_tests_name("server", tests, setup, teardown);
}
