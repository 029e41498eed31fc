#include "harness.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#ifndef PE_POCKETENVD_PATH
#define PE_POCKETENVD_PATH "pocketenvd"
#endif

static const char *daemon_path(void)
{
    const char *p = getenv("POCKETENVD");
    return p && *p ? p : PE_POCKETENVD_PATH;
}

static int launch(pe_test_server *s, const char *const *extra, const char *port)
{
    int out[2];
    if (pipe(out) != 0)
        return -1;
    s->pid = fork();
    if (s->pid < 0)
        return -1;
    if (s->pid == 0) {
        const char *argv[32] = { daemon_path(), "--state", s->state, "--port", port, "--idle-timeout", "0" };
        int n = 7;
        for (int i = 0; extra && extra[i] && n < 30; i++)
            argv[n++] = extra[i];
        argv[n] = NULL;
        dup2(out[1], 1);
        close(out[0]);
        close(out[1]);
        if (!getenv("PE_TEST_VERBOSE")) {
            char log[300];
            snprintf(log, sizeof log, "%s.log", s->state);
            FILE *f = freopen(log, "a", stderr);
            (void)f;
        }
        execv(argv[0], (char *const *)argv);
        perror("exec pocketenvd");
        _exit(127);
    }
    close(out[1]);
    FILE *f = fdopen(out[0], "r");
    char line[512];
    int ok = 0;
    while (f && fgets(line, sizeof line, f)) {
        if (sscanf(line, "pocketenvd listening on %127s", s->url) == 1)
            ok = 1;
        if (sscanf(line, "public key %79s", s->public_key) == 1)
            break;
    }
    if (f)
        fclose(f);
    if (!ok)
        return -1;
    char path[300];
    snprintf(path, sizeof path, "%s/local.json", s->state);
    json_t *j = json_load_file(path, 0, NULL);
    const char *t = json_string_value(json_object_get(j, "token"));
    snprintf(s->token, sizeof s->token, "%s", t ? t : "");
    json_decref(j);
    return t ? 0 : -1;
}

int pe_test_server_start(pe_test_server *s, const char *const *extra)
{
    memset(s, 0, sizeof *s);
    snprintf(s->state, sizeof s->state, "/tmp/pe-test-XXXXXX");
    if (!mkdtemp(s->state))
        return -1;
    return launch(s, extra, "0");
}

int pe_test_server_stop(pe_test_server *s, int kill9)
{
    int st = 0;
    if (s->pid <= 0)
        return 0;
    kill(s->pid, kill9 ? SIGKILL : SIGTERM);
    waitpid(s->pid, &st, 0);
    s->pid = 0;
    if (kill9)
        return 0;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "pocketenvd did not shut down cleanly (status %d); its log: %s.log\n", st, s->state);
        return -1;
    }
    return 0;
}

int pe_test_server_restart(pe_test_server *s, int kill9)
{
    const char *port = strrchr(s->url, ':');
    char p[16];
    snprintf(p, sizeof p, "%s", port ? port + 1 : "0");
    pe_test_server_stop(s, kill9);
    return launch(s, NULL, p);
}

int pe_test_server_cleanup(pe_test_server *s)
{
    char cmd[600];
    int rc = pe_test_server_stop(s, 0);
    if (getenv("PE_TEST_KEEP"))
        return rc;
    snprintf(cmd, sizeof cmd, rc ? "rm -rf '%s'" : "rm -rf '%s' '%s.log'", s->state, s->state);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", s->state);
    return rc;
}

pocketenv_client *pe_test_client(const pe_test_server *s, const char *token)
{
    pocketenv_client_options o = POCKETENV_CLIENT_OPTIONS_INIT;
    o.api_url = s->url;
    o.storage_url = s->url;
    o.public_key_hex = s->public_key;
    o.token = token ? token : s->token;
    o.token_file = "/nonexistent";
    pocketenv_client *c = NULL;
    if (pocketenv_client_new(&c, &o) != 0)
        fprintf(stderr, "client: %s\n", pocketenv_error_last()->message);
    return c;
}

int pe_test_sh(const char *cmd, char **out)
{
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            buf = realloc(buf, cap);
        }
        memcpy(buf + len, chunk, n);
        len += n;
    }
    if (!buf)
        buf = calloc(1, 1);
    else
        buf[len] = '\0';
    int st = pclose(p);
    if (out)
        *out = buf;
    else
        free(buf);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

char *pe_test_add_user(const pe_test_server *s, const char *handle)
{
    char cmd[600], *out = NULL;
    snprintf(cmd, sizeof cmd, "'%s' --state '%s' --add-user '%s' 2>/dev/null", daemon_path(), s->state, handle);
    if (pe_test_sh(cmd, &out) != 0) {
        free(out);
        return NULL;
    }
    out[strcspn(out, "\n")] = '\0';
    return out;
}
