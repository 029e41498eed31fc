/*
 * Local mode: the embedded default. Uses pocketenvd's state directory; if the server recorded
 * there is not answering, starts pocketenvd in the background and waits for it to listen.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cli.h"

char *local_state_dir(void)
{
    const char *env = getenv("POCKETENV_LOCAL_STATE");
    if (env && *env)
        return strdup(env);
    return pe_default_state_dir();
}

/* Local mode is the default when nothing points at the hosted platform. */
bool local_mode_default(void)
{
    const char *l = getenv("POCKETENV_LOCAL");
    if (l && *l)
        return strcmp(l, "0") != 0;
    if ((getenv("POCKETENV_TOKEN") && *getenv("POCKETENV_TOKEN")) ||
        (getenv("POCKETENV_API_URL") && *getenv("POCKETENV_API_URL")))
        return false;
    char *file = pe_home_path(".pocketenv/token.json");
    bool has_file = file && access(file, R_OK) == 0;
    free(file);
    return !has_file;
}

void local_server_free(local_server *l)
{
    free(l->url);
    free(l->token);
    free(l->public_key);
    memset(l, 0, sizeof *l);
}

static size_t discard(char *d, size_t s, size_t n, void *u)
{
    (void)d;
    (void)u;
    return s * n;
}

static bool answering(const char *url)
{
    CURL *h = curl_easy_init();
    if (!h)
        return false;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 1000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    long status = 0;
    bool ok = curl_easy_perform(h) == CURLE_OK && curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK &&
              status == 200;
    curl_easy_cleanup(h);
    return ok;
}

static int read_local_json(const char *state, local_server *out)
{
    char *path = pe_strprintf("%s/local.json", state);
    json_t *j = path ? json_load_file(path, 0, NULL) : NULL;
    free(path);
    const char *url = json_string_value(json_object_get(j, "url"));
    const char *tok = json_string_value(json_object_get(j, "token"));
    const char *key = json_string_value(json_object_get(j, "publicKey"));
    int rc = url && tok && key ? 0 : -1;
    if (!rc) {
        out->url = strdup(url);
        out->token = strdup(tok);
        out->public_key = strdup(key);
    }
    json_decref(j);
    return rc;
}

/* pocketenvd next to this executable (or $POCKETENVD), else from PATH. */
static char *daemon_path(void)
{
    char *p = pe_sibling_executable("POCKETENVD", "pocketenvd");
    return p ? p : strdup("pocketenvd");
}

static int spawn_daemon(const char *state, bool verbose)
{
    int out[2];
    char *bin = daemon_path(), *log = pe_strprintf("%s.log", state);
    if (!bin || !log || pipe(out) != 0) {
        free(bin);
        free(log);
        return pe_fail(POCKETENV_ERROR, "cannot start the local server: %s", strerror(errno));
    }
    if (verbose)
        fprintf(stderr, "ℹ starting the local server (pocketenvd, state in %s)\n", state);
    pid_t pid = fork();
    if (pid == 0) {
        setsid();
        if (fork() != 0) /* double fork: the server is nobody's child and outlives us */
            _exit(0);
        int logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        int nul = open("/dev/null", O_RDONLY);
        dup2(nul, 0);
        dup2(out[1], 1);
        if (logfd >= 0)
            dup2(logfd, 2);
        close(out[0]);
        execlp(bin, bin, "--state", state, "--port", "0", (char *)NULL);
        fprintf(stderr, "pocketenv: cannot run %s: %s\n", bin, strerror(errno));
        _exit(127);
    }
    close(out[1]);
    if (pid > 0)
        waitpid(pid, NULL, 0);
    /* wait for "pocketenvd listening on URL" */
    char buf[512] = "";
    size_t len = 0;
    int rc = -1;
    for (int i = 0; i < 100 && rc; i++) {
        struct pollfd p = { out[0], POLLIN, 0 };
        if (poll(&p, 1, 100) > 0) {
            ssize_t n = read(out[0], buf + len, sizeof buf - 1 - len);
            if (n <= 0)
                break;
            len += (size_t)n;
            buf[len] = '\0';
            if (strstr(buf, "public key"))
                rc = 0;
        }
    }
    close(out[0]);
    if (rc)
        rc = pe_fail(POCKETENV_ERROR, "the local server did not start; see %s", log);
    free(bin);
    free(log);
    return rc;
}

int local_ensure(local_server *out, bool verbose)
{
    memset(out, 0, sizeof *out);
    char *state = local_state_dir();
    if (!state)
        return pe_fail(POCKETENV_ERROR, "cannot find a state directory for the local server (HOME is not set)");
    int rc = 0;
    if (read_local_json(state, out) != 0 || !answering(out->url)) {
        local_server_free(out);
        rc = spawn_daemon(state, verbose);
        if (!rc && read_local_json(state, out) != 0)
            rc = pe_fail(POCKETENV_ERROR, "the local server started but %s/local.json is unreadable", state);
    }
    free(state);
    return rc;
}
