/*
 * pocketenvd's request handling: the real HTTP front end (libmicrohttpd, XRPC rules, JSON bodies,
 * query parameters, multipart uploads, every handler) runs in this process; each input is sent
 * as raw bytes of an HTTP request over loopback. "@TOKEN@" in an input becomes the default user's
 * token, so seeds can reach authenticated handlers.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "server/server.h"

pe_server_config g_cfg;
static char token[128];
static unsigned long inputs;

static void cleanup(void)
{
    srv_stop_all_sandboxes(); /* sandboxes must not outlive the run */
    char *cmd = pe_strprintf("rm -rf '%s'", g_cfg.state_dir);
    if (cmd && system(cmd) != 0)
        fprintf(stderr, "fuzz_server: could not remove %s\n", g_cfg.state_dir);
    free(cmd);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static char state[64] = "/tmp/pe-fuzz-server-XXXXXX";
    if (sodium_init() < 0 || pocketenv_global_init() != 0 || !mkdtemp(state) || chmod(state, 0711) != 0)
        abort();
    g_cfg.state_dir = state;
    g_cfg.bind_addr = "127.0.0.1";
    g_cfg.exec_timeout_s = 1;
    g_cfg.output_limit = 1 << 16;
    g_cfg.rate_window_s = 30;
    g_cfg.max_pids = 64;
    g_cfg.init_helper = pe_sibling_executable("POCKETENV_SANDBOX_INIT", "pocketenv-sandbox-init");
    const char *subs[] = { "sandboxes", "blobs", "backups", "volumes" };
    for (size_t i = 0; i < 4; i++) {
        char *d = pe_strprintf("%s/%s", state, subs[i]);
        mkdir(d, 0711);
        free(d);
    }
    char *db_file = pe_strprintf("%s/pocketenvd.db", state);
    if (srv_keys_load_or_create(state) != 0 || db_open(db_file) != 0)
        abort();
    free(db_file);
    rt_init();
    if (srv_http_start() != 0)
        abort();
    g_cfg.public_url = pe_strprintf("http://127.0.0.1:%d", g_cfg.port);
    if (srv_ensure_default_user() != 0)
        abort();
    atexit(cleanup);
    char *path = pe_strprintf("%s/local.json", state);
    json_t *j = json_load_file(path, 0, NULL);
    snprintf(token, sizeof token, "%s", json_string_value(json_object_get(j, "token")));
    json_decref(j);
    free(path);
    return 0;
}

/* The input with every "@TOKEN@" replaced. */
static pe_buf with_token(const uint8_t *data, size_t size)
{
    pe_buf b = { 0 };
    for (size_t i = 0; i < size;) {
        if (size - i >= 7 && !memcmp(data + i, "@TOKEN@", 7)) {
            pe_buf_puts(&b, token);
            i += 7;
        } else {
            pe_buf_append(&b, data + i, 1);
            i++;
        }
    }
    return b;
}

/* connect() that survives libFuzzer's SIGALRM timer: an interrupted connect completes in the
 * background, so wait for it and read its result. */
static int connect_loopback(int fd, const struct sockaddr_in *a)
{
    if (connect(fd, (const struct sockaddr *)a, sizeof *a) == 0)
        return 0;
    if (errno != EINTR && errno != EALREADY && errno != EINPROGRESS)
        return -1;
    struct pollfd p = { fd, POLLOUT, 0 };
    for (int i = 0; i < 100; i++) {
        int r = poll(&p, 1, 100);
        if (r > 0) {
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            errno = err;
            return err ? -1 : 0;
        }
        if (r < 0 && errno != EINTR)
            return -1;
    }
    errno = ETIMEDOUT;
    return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pe_buf req = with_token(data, size);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)g_cfg.port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* close with a reset: tens of thousands of TIME_WAIT sockets would exhaust local ports */
    struct linger lg = { 1, 0 };
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    if (fd < 0 || connect_loopback(fd, &a) != 0) {
        perror("fuzz_server: the server did not accept a connection");
        abort(); /* the server must always accept */
    }
    if (req.len)
        (void)send(fd, req.data, req.len, MSG_NOSIGNAL);
    shutdown(fd, SHUT_WR);
    char buf[4096];
    struct pollfd p = { fd, POLLIN, 0 };
    for (;;) { /* read the answer until the server closes (or 3 s pass); EINTR is not an end */
        int r = poll(&p, 1, 3000);
        if (r < 0 && errno == EINTR)
            continue;
        ssize_t n = r > 0 ? read(fd, buf, sizeof buf) : 0;
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
    }
    close(fd);
    pe_buf_free(&req);
    if (++inputs % 200 == 0)
        srv_stop_all_sandboxes(); /* keep long runs from accumulating running sandboxes */
    return 0;
}
