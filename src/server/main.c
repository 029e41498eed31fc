/*
 * pocketenvd: a Pocketenv-compatible server that runs sandboxes on this machine.
 *
 *   pocketenvd [--state DIR] [--bind ADDR] [--port N] [--idle-timeout S] [--exec-timeout S]
 *              [--rate-limit N] [--max-pids N]
 *   pocketenvd --print-public-key [--state DIR]
 *   pocketenvd --add-user HANDLE [--state DIR]      (prints the new user's token)
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "server.h"

pe_server_config g_cfg;
static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: pocketenvd [options]\n"
               "  --state DIR          state directory (default /var/lib/pocketenvd as root, else\n"
               "                       $XDG_STATE_HOME/pocketenvd)\n"
               "  --bind ADDR          address to listen on (default 127.0.0.1)\n"
               "  --port N             port (default 8789; 0 picks a free one)\n"
               "  --idle-timeout S     stop sandboxes idle for S seconds unless keep-alive (default 1800, 0 = never)\n"
               "  --exec-timeout S     limit for one exec command (default 600)\n"
               "  --rate-limit N       requests per 30 s per client address (default 0 = off)\n"
               "  --max-pids N         process limit per sandbox (default 1024)\n"
               "  --inject-503 N       fault tests: answer the first N API requests with 503\n"
               "  --print-public-key   print the sealing public key (hex) and exit\n"
               "  --add-user HANDLE    create a local user, print its token and exit\n"
               "  --version, --help\n");
}

/* As root, sandbox users (an unprivileged uid range) must traverse the path to their files. */
static int check_traversable(const char *dir)
{
    if (geteuid() != 0)
        return 0;
    char *p = strdup(dir);
    for (char *s = p; s && *s; s++) {
        if (*s != '/' || s == p)
            continue;
        *s = '\0';
        struct stat st;
        if (stat(p, &st) == 0 && !(st.st_mode & S_IXOTH)) {
            fprintf(stderr, "pocketenvd: the state directory %s is below %s, which other users cannot traverse; "
                            "sandboxes could not reach their files. Choose another --state.\n", dir, p);
            free(p);
            return -1;
        }
        *s = '/';
    }
    free(p);
    return 0;
}

static int prepare_state(void)
{
    const char *subs[] = { "", "/sandboxes", "/blobs", "/backups", "/volumes" };
    for (size_t i = 0; i < sizeof subs / sizeof *subs; i++) {
        char *d = pe_strprintf("%s%s", g_cfg.state_dir, subs[i]);
        if (!d || srv_mkdirs(d, 0711) != 0 || chmod(d, i == 2 || i == 3 ? 0700 : 0711) != 0) {
            fprintf(stderr, "pocketenvd: cannot create %s: %s\n", d ? d : g_cfg.state_dir, strerror(errno));
            free(d);
            return -1;
        }
        free(d);
    }
    return check_traversable(g_cfg.state_dir);
}

static void *sweeper(void *arg)
{
    (void)arg;
    /* sweep often enough for short timeouts, at most every 10 s */
    long every = g_cfg.idle_timeout_s > 0 && g_cfg.idle_timeout_s < 20 ? (g_cfg.idle_timeout_s + 1) / 2 : 10;
    while (!stopping) {
        for (long i = 0; i < every && !stopping; i++)
            sleep(1);
        if (!stopping)
            srv_idle_sweep();
    }
    return NULL;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "state", required_argument, 0, 's' },       { "bind", required_argument, 0, 'b' },
        { "port", required_argument, 0, 'p' },        { "idle-timeout", required_argument, 0, 'i' },
        { "exec-timeout", required_argument, 0, 'e' }, { "rate-limit", required_argument, 0, 'r' },
        { "max-pids", required_argument, 0, 'm' },    { "print-public-key", no_argument, 0, 'k' },
        { "add-user", required_argument, 0, 'u' },    { "keep-sandboxes", no_argument, 0, 'K' },
        { "inject-503", required_argument, 0, 'F' },
        { "version", no_argument, 0, 'V' },           { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 } };
    int print_key = 0, keep_sandboxes = 0, c;
    const char *add_user = NULL;
    g_cfg.bind_addr = "127.0.0.1";
    g_cfg.port = 8789;
    g_cfg.idle_timeout_s = 1800;
    g_cfg.exec_timeout_s = 600;
    g_cfg.output_limit = 1u << 20;
    g_cfg.rate_window_s = 30;
    g_cfg.max_pids = 1024;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's': g_cfg.state_dir = strdup(optarg); break;
        case 'b': g_cfg.bind_addr = optarg; break;
        case 'p': g_cfg.port = atoi(optarg); break;
        case 'i': g_cfg.idle_timeout_s = atol(optarg); break;
        case 'e': g_cfg.exec_timeout_s = atol(optarg); break;
        case 'r': g_cfg.rate_limit = atoi(optarg); break;
        case 'm': g_cfg.max_pids = atol(optarg); break;
        case 'k': print_key = 1; break;
        case 'u': add_user = optarg; break;
        case 'K': keep_sandboxes = 1; break;
        case 'F': g_cfg.inject_503 = atoi(optarg); break;
        case 'V': printf("pocketenvd %s\n", POCKETENV_VERSION); return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc || g_cfg.port < 0 || g_cfg.port > 65535) {
        usage(stderr);
        return 2;
    }
    if (sodium_init() < 0 || pocketenv_global_init() != 0) {
        fprintf(stderr, "pocketenvd: cannot initialise libsodium/libcurl\n");
        return 1;
    }
    if (!g_cfg.state_dir)
        g_cfg.state_dir = pe_default_state_dir();
    char *db_file = g_cfg.state_dir ? pe_strprintf("%s/pocketenvd.db", g_cfg.state_dir) : NULL;
    if (!db_file || prepare_state() != 0 || srv_keys_load_or_create(g_cfg.state_dir) != 0 || db_open(db_file) != 0) {
        fprintf(stderr, "pocketenvd: cannot open the state in %s\n", g_cfg.state_dir ? g_cfg.state_dir : "(unknown)");
        return 1;
    }
    chmod(db_file, 0600);
    free(db_file);
    if (print_key) {
        printf("%s\n", g_cfg.public_key_hex);
        return 0;
    }
    if (add_user) {
        char *token = NULL;
        srv_user u;
        if (!srv_valid_name(add_user) || srv_user_create(add_user, &token, &u) != 0) {
            fprintf(stderr, "pocketenvd: cannot create user '%s' (invalid or already taken)\n", add_user);
            return 1;
        }
        printf("%s\n", token);
        fprintf(stderr, "user @%s (%s) created\n", u.handle, u.did);
        srv_user_free(&u);
        free(token);
        return 0;
    }

    /* PID 1 of every sandbox lives next to pocketenvd (build tree and install alike) */
    g_cfg.init_helper = pe_sibling_executable("POCKETENV_SANDBOX_INIT", "pocketenv-sandbox-init");
    if (!g_cfg.init_helper) {
        fprintf(stderr, "pocketenvd: pocketenv-sandbox-init is missing next to this program\n");
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    rt_init();
    srv_reconcile_sandboxes();
    if (srv_http_start() != 0)
        return 1;
    g_cfg.public_url = pe_strprintf("http://%s:%d", g_cfg.bind_addr, g_cfg.port);
    if (srv_ensure_default_user() != 0)
        return 1;
    printf("pocketenvd listening on %s\n", g_cfg.public_url);
    printf("public key %s\n", g_cfg.public_key_hex);
    printf("state in %s (default user token in %s/local.json)\n", g_cfg.state_dir, g_cfg.state_dir);
    fflush(stdout);
    pthread_t sweep;
    pthread_create(&sweep, NULL, sweeper, NULL);
    while (!stopping)
        pause();
    srv_log("shutting down");
    srv_http_stop();
    pthread_join(sweep, NULL);
    if (!keep_sandboxes)
        srv_stop_all_sandboxes();
    db_close_all();
    free(g_cfg.public_url);
    free(g_cfg.init_helper);
    free(g_cfg.state_dir);
    pocketenv_global_cleanup();
    return 0;
}
