/*
 * pocketenv benchmarks: each figure is printed beside the floor it cannot beat, measured in the
 * same run on the same machine, with the ratio. Prints a Markdown table; never fails on time.
 *
 *   bench [--quick] [--big] [--only GROUP]
 *     --quick: fewer iterations; --big: also the 1 GiB transfer;
 *     --only: one group (overhead, lifecycle, concurrency, transfer, cli), for profiling
 * Needs POCKETENVD and POCKETENV_CLI (paths) in the environment; the CMake target sets them.
 */
#include <curl/curl.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../tests/support/harness.h"

extern char **environ;
static pe_test_server srv;
static int quick, big;
static const char *only;

static int wanted(const char *group) { return !only || !strcmp(only, group); }

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct stats {
    double median, p99;
} stats;

static stats summarize(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    stats s = { v[n / 2], v[(int)((n - 1) * 0.99)] };
    return s;
}

static void row(const char *what, const char *ours, const char *floor_name, const char *floor_val, double ratio,
                const char *target)
{
    printf("| %s | %s | %s | %s | %.2fx | %s |\n", what, ours, floor_name, floor_val, ratio, target);
    fflush(stdout);
}

/* ---------------------------------------------------------------- floors */

/* posix_spawn of argv[0] and waiting for it: the process floor. */
static stats spawn_floor(char *const argv[], int n)
{
    double *v = malloc(sizeof *v * (size_t)n);
    for (int i = 0; i < n; i++) {
        pid_t pid;
        double t = now_ms();
        posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);
        waitpid(pid, NULL, 0);
        v[i] = now_ms() - t;
    }
    stats s = summarize(v, n);
    free(v);
    return s;
}

static stats spawn_true(int n)
{
    char *argv[] = { "/bin/true", NULL };
    return spawn_floor(argv, n);
}

static size_t sink(char *d, size_t s, size_t n, void *u)
{
    (void)d;
    (void)u;
    return s * n;
}

/* Raw libcurl GETs of url on one reused handle: the HTTP floor. */
static stats raw_curl(const char *url, int n)
{
    CURL *h = curl_easy_init();
    struct curl_slist *hdrs = NULL;
    char auth[200];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", srv.token);
    hdrs = curl_slist_append(hdrs, auth);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    double *v = malloc(sizeof *v * (size_t)n);
    curl_easy_perform(h);
    for (int i = 0; i < n; i++) {
        double t = now_ms();
        curl_easy_perform(h);
        v[i] = now_ms() - t;
    }
    stats s = summarize(v, n);
    free(v);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    return s;
}

/* ---------------------------------------------------------------- 1. SDK call overhead */

static void bench_overhead(pocketenv_client *c, const pocketenv_sandbox *sb)
{
    int n = quick ? 300 : 2000;
    char url[300], a[64], b[64];
    snprintf(url, sizeof url, "%s/xrpc/io.pocketenv.sandbox.getSandbox?id=%s", srv.url, sb->id);
    stats floor = raw_curl(url, n);
    double *v = malloc(sizeof *v * (size_t)n);
    for (int i = 0; i < n; i++) {
        pocketenv_sandbox *got = NULL;
        double t = now_ms();
        pocketenv_sandbox_get(c, sb->id, &got);
        v[i] = now_ms() - t;
        pocketenv_sandbox_free(got);
    }
    stats ours = summarize(v, n);
    snprintf(a, sizeof a, "%.3f ms", ours.median);
    snprintf(b, sizeof b, "%.3f ms", floor.median);
    row("get-sandbox, reused client (median)", a, "raw libcurl GET, reused handle", b, ours.median / floor.median, "<= 1.3x");
    int m = quick ? 100 : 300;
    for (int i = 0; i < m; i++) {
        pocketenv_client *fresh = pe_test_client(&srv, NULL);
        pocketenv_sandbox *got = NULL;
        double t = now_ms();
        pocketenv_sandbox_get(fresh, sb->id, &got);
        v[i] = now_ms() - t;
        pocketenv_sandbox_free(got);
        pocketenv_client_free(fresh);
    }
    stats fresh = summarize(v, m);
    snprintf(a, sizeof a, "%.3f ms", fresh.median);
    row("get-sandbox, new client per call (median)", a, "raw libcurl GET, reused handle", b, fresh.median / floor.median,
        "(shows what reuse buys)");
    free(v);
}

/* ---------------------------------------------------------------- 4. lifecycle */

static void bench_lifecycle(pocketenv_client *c)
{
    int n = quick ? 20 : 60;
    double *create = malloc(sizeof(double) * (size_t)n), *start = malloc(sizeof(double) * (size_t)n),
           *stop = malloc(sizeof(double) * (size_t)n), *del = malloc(sizeof(double) * (size_t)n),
           *exec_sh = malloc(sizeof(double) * (size_t)n * 10), *exec_direct = malloc(sizeof(double) * (size_t)n * 10);
    for (int i = 0; i < n; i++) {
        pocketenv_create_options o = POCKETENV_CREATE_OPTIONS_INIT;
        char name[32];
        snprintf(name, sizeof name, "bench-life-%d", i);
        o.name = name;
        pocketenv_sandbox *sb = NULL;
        double t = now_ms();
        pocketenv_sandbox_create(c, &sb, &o); /* create includes the start of its init */
        create[i] = now_ms() - t;
        /* `true` is a shell builtin, so it runs in /bin/sh; `/bin/true` is a plain program call,
         * started without a shell, the same program as the floor */
        for (int k = 0; k < 20; k++) {
            pocketenv_exec_result *r = NULL;
            t = now_ms();
            pocketenv_sandbox_exec(c, sb, k % 2 ? "true" : "/bin/true", &r);
            (k % 2 ? exec_sh : exec_direct)[i * 10 + k / 2] = now_ms() - t;
            pocketenv_exec_result_free(r);
        }
        t = now_ms();
        pocketenv_sandbox_stop(c, sb);
        stop[i] = now_ms() - t;
        t = now_ms();
        pocketenv_sandbox_start(c, sb, NULL);
        start[i] = now_ms() - t;
        t = now_ms();
        pocketenv_sandbox_delete(c, sb);
        del[i] = now_ms() - t;
        pocketenv_sandbox_free(sb);
    }
    char url[300];
    snprintf(url, sizeof url, "%s/", srv.url);
    char *sh_true[] = { "/bin/sh", "-c", "true", NULL };
    stats http = raw_curl(url, 500), spawn = spawn_true(500), spawn_sh = spawn_floor(sh_true, 500);
    stats sc = summarize(create, n), ss = summarize(start, n), st = summarize(stop, n), sd = summarize(del, n),
          sed = summarize(exec_direct, n * 10), ses = summarize(exec_sh, n * 10);
    char a[96], b[64], f[64], g[64];
    snprintf(f, sizeof f, "%.3f ms", spawn.median);
    snprintf(g, sizeof g, "%.3f ms", spawn_sh.median + http.median);
    snprintf(b, sizeof b, "%.3f ms", http.median);
    snprintf(a, sizeof a, "%.2f ms (p99 %.2f)", sed.median, sed.p99);
    row("exec round trip `/bin/true` (median)", a, "posix_spawn /bin/true + HTTP round trip", f,
        sed.median / (spawn.median + http.median), "< 2 ms median");
    snprintf(a, sizeof a, "%.2f ms (p99 %.2f)", ses.median, ses.p99);
    row("exec round trip `true` (a shell builtin: runs in sh)", a, "posix_spawn `sh -c true` + HTTP round trip", g,
        ses.median / (spawn_sh.median + http.median), "");
    printf("|  |  | (HTTP round trip alone) | %s |  |  |\n", b);
    snprintf(a, sizeof a, "%.2f ms (p99 %.2f)", sc.median, sc.p99);
    row("create (sandbox running on return)", a, "posix_spawn /bin/true", f, sc.median / spawn.median, "create+start < 50 ms");
    snprintf(a, sizeof a, "%.2f ms (p99 %.2f)", ss.median, ss.p99);
    row("start (after stop)", a, "posix_spawn /bin/true", f, ss.median / spawn.median, "");
    snprintf(a, sizeof a, "%.2f ms (p99 %.2f)", st.median, st.p99);
    row("stop", a, "posix_spawn /bin/true", f, st.median / spawn.median, "");
    snprintf(a, sizeof a, "%.2f ms (p99 %.2f)", sd.median, sd.p99);
    row("delete", a, "posix_spawn /bin/true", f, sd.median / spawn.median, "");
    free(create);
    free(start);
    free(stop);
    free(del);
    free(exec_sh);
    free(exec_direct);
}

/* ---------------------------------------------------------------- 2. concurrency */

typedef struct fan {
    pocketenv_sandbox *sb;
    pocketenv_client *c; /* each thread owns its client (clients share nothing) */
    double ms;
    int ok;
} fan;

static void fan_exec(fan *f, pocketenv_client *c)
{
    pocketenv_exec_result *r = NULL;
    double t = now_ms();
    f->ok = pocketenv_sandbox_exec(c, f->sb, "/bin/true", &r) == 0 && r->exit_code == 0;
    f->ms = now_ms() - t;
    pocketenv_exec_result_free(r);
}

static void *fan_one(void *p)
{
    fan *f = p;
    fan_exec(f, f->c);
    return NULL;
}

/* A bounded pool: each worker owns a client and takes the next sandbox until none is left. */
typedef struct work_queue {
    fan *f;
    int n, next;
    pthread_mutex_t mu;
} work_queue;

typedef struct worker {
    work_queue *q;
    pocketenv_client *c;
} worker;

static void *pool_worker(void *p)
{
    worker *w = p;
    for (;;) {
        pthread_mutex_lock(&w->q->mu);
        int i = w->q->next < w->q->n ? w->q->next++ : -1;
        pthread_mutex_unlock(&w->q->mu);
        if (i < 0)
            return NULL;
        fan_exec(&w->q->f[i], w->c);
    }
}

/* Runs one exec in each of n sandboxes from `workers` threads; returns the wall time. */
static double fan_out_pool(fan *f, int n, int workers, int *ok)
{
    work_queue q = { f, n, 0, PTHREAD_MUTEX_INITIALIZER };
    pthread_t t[64];
    worker w[64];
    for (int i = 0; i < workers; i++)
        w[i] = (worker){ &q, f[i].c }; /* the first sandboxes' clients: connections already open */
    double t0 = now_ms();
    for (int i = 0; i < workers; i++)
        pthread_create(&t[i], NULL, pool_worker, &w[i]);
    for (int i = 0; i < workers; i++)
        pthread_join(t[i], NULL);
    double total = now_ms() - t0;
    *ok = 0;
    for (int i = 0; i < n; i++)
        *ok += f[i].ok;
    return total;
}

/* The machine's own parallel process creation: n posix_spawns of /bin/true from `threads` threads. */
typedef struct spawn_queue {
    int left;
    pthread_mutex_t mu;
} spawn_queue;

static void *spawn_worker(void *p)
{
    spawn_queue *q = p;
    char *argv[] = { "/bin/true", NULL };
    for (;;) {
        pthread_mutex_lock(&q->mu);
        int mine = q->left > 0 ? q->left-- : 0;
        pthread_mutex_unlock(&q->mu);
        if (!mine)
            return NULL;
        pid_t pid;
        if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) == 0)
            waitpid(pid, NULL, 0);
    }
}

static double spawn_parallel(int n, int threads)
{
    spawn_queue q = { n, PTHREAD_MUTEX_INITIALIZER };
    pthread_t t[64];
    double t0 = now_ms();
    for (int i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, spawn_worker, &q);
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    return now_ms() - t0;
}

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = 0;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6))
            v = atol(line + 6);
    if (f)
        fclose(f);
    return v;
}

static void bench_concurrency(pocketenv_client *c)
{
    enum { N = 100 };
    fan f[N];
    pthread_t t[N];
    for (int i = 0; i < N; i++) {
        pocketenv_create_options o = POCKETENV_CREATE_OPTIONS_INIT;
        char name[32];
        snprintf(name, sizeof name, "bench-fan-%d", i);
        o.name = name;
        f[i].sb = NULL;
        pocketenv_sandbox_create(c, &f[i].sb, &o);
        f[i].c = pe_test_client(&srv, NULL);
        pocketenv_sandbox_refresh(f[i].c, f[i].sb); /* its connection is open from now on */
    }
    double single[20];
    for (int i = 0; i < 20; i++) {
        fan_one(&f[0]);
        single[i] = f[0].ms;
    }
    /* client memory is measured with all 100 clients and their connections alive */
    stats one = summarize(single, 20), spawn1 = spawn_true(200);
    long rss_before = rss_kib();
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int workers = (int)(cores * 4 > 64 ? 64 : cores * 4);
    double ideal = one.median * N / (double)cores;
    char a[96], b[96], label[128];
    snprintf(b, sizeof b, "%.1f ms (%d x %.2f ms / %ld cores)", ideal, N, one.median, cores);
    for (int round = 0; round < 2; round++) { /* the first exec in a fresh sandbox, then warm */
        double t0 = now_ms();
        for (int i = 0; i < N; i++)
            pthread_create(&t[i], NULL, fan_one, &f[i]);
        int ok = 0;
        for (int i = 0; i < N; i++) {
            pthread_join(t[i], NULL);
            ok += f[i].ok;
        }
        double total = now_ms() - t0;
        snprintf(a, sizeof a, "%.1f ms for %d execs (%d ok)", total, N, ok);
        row(round ? "100 sandboxes, one exec each, 100 threads (second round)"
                  : "100 sandboxes running, one exec each, 100 threads, a client each",
            a, "one exec's latency spread over the cores", b, total / ideal, "<= 2x");
    }
    int ok;
    double pooled = fan_out_pool(f, N, workers, &ok);
    snprintf(a, sizeof a, "%.1f ms for %d execs (%d ok)", pooled, N, ok);
    snprintf(label, sizeof label, "100 sandboxes, one exec each, a pool of %d threads with a client each", workers);
    row(label, a, "one exec's latency spread over the cores", b, pooled / ideal, "<= 2x");
    /* what the machine itself does with parallel process starts, in the same terms */
    double sp = spawn_parallel(N, (int)cores), sp_ideal = spawn1.median * N / (double)cores;
    snprintf(a, sizeof a, "%.1f ms for %d spawns from %ld threads", sp, N, cores);
    snprintf(b, sizeof b, "%.1f ms (%d x %.2f ms / %ld cores)", sp_ideal, N, spawn1.median, cores);
    row("floor: 100 posix_spawn /bin/true in parallel (no pocketenv)", a, "one spawn's latency spread over the cores", b,
        sp / sp_ideal, "(the machine's scaling)");
    snprintf(a, sizeof a, "%.1f ms (pool of %d)", pooled, workers);
    snprintf(b, sizeof b, "%.1f ms", sp);
    row("the pool's fan-out against that floor", a, "100 posix_spawn /bin/true in parallel", b, pooled / sp, "");
    long rss_after = rss_kib();
    snprintf(a, sizeof a, "%.1f MiB peak RSS (process)", (double)rss_after / 1024.0);
    snprintf(b, sizeof b, "%.1f MiB before the fan-out", (double)rss_before / 1024.0);
    row("client memory during the fan-out", a, "same process before", b, (double)rss_after / (double)(rss_before ? rss_before : 1),
        "< 20 MiB");
    for (int i = 0; i < N; i++) {
        pocketenv_sandbox_delete(c, f[i].sb);
        pocketenv_sandbox_free(f[i].sb);
        pocketenv_client_free(f[i].c);
    }
}

/* ---------------------------------------------------------------- 3. transfers and 5. CLI */

typedef struct run_result {
    double ms;
    long maxrss_kib;
    int status;
} run_result;

static run_result run_cmd(const char *cmd)
{
    run_result r = { 0, 0, -1 };
    double t = now_ms();
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    int st;
    struct rusage ru;
    wait4(pid, &st, 0, &ru);
    r.ms = now_ms() - t;
    r.maxrss_kib = ru.ru_maxrss;
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

static void bench_transfer(const char *cli, const char *sandbox, long mib)
{
    char dir[64], cmd[2048];
    snprintf(dir, sizeof dir, "/tmp/pe-bench-XXXXXX");
    if (!mkdtemp(dir))
        return;
    /* many small files and a few large ones: 1/4 of the bytes in 4 KiB files */
    long small = mib * 1024 / 4 / 4, large_mib = mib * 3 / 4 / 4;
    snprintf(cmd, sizeof cmd,
             "set -e; mkdir -p %s/src/small %s/dst; cd %s/src; for i in 1 2 3 4; do head -c %ldM /dev/urandom > large$i; done;"
             " cd small; i=0; while [ $i -lt %ld ]; do mkdir -p d$((i/500)); head -c 4096 /dev/urandom > d$((i/500))/f$i; i=$((i+1)); done",
             dir, dir, dir, large_mib, small);
    if (run_cmd(cmd).status != 0) {
        fprintf(stderr, "bench: cannot build the %ld MiB tree\n", mib);
        return;
    }
    snprintf(cmd, sizeof cmd, "tar -czf - -C %s/src . | tar -xzf - -C %s/dst", dir, dir);
    run_result floor = run_cmd(cmd);
    snprintf(cmd, sizeof cmd, "%s cp %s/src %s:/workspace/tree >/dev/null 2>&1", cli, dir, sandbox);
    run_result up = run_cmd(cmd);
    snprintf(cmd, sizeof cmd, "%s cp %s:/workspace/tree %s/back >/dev/null 2>&1", cli, sandbox, dir);
    run_result down = run_cmd(cmd);
    char what[96], a[96], b[64];
    snprintf(b, sizeof b, "%.0f MiB/s", (double)mib / floor.ms * 1000.0);
    snprintf(what, sizeof what, "upload %ld MiB tree (`pocketenv cp`)", mib);
    snprintf(a, sizeof a, "%.0f MiB/s, peak RSS %.1f MiB%s", (double)mib / up.ms * 1000.0, (double)up.maxrss_kib / 1024.0,
             up.status ? " (FAILED)" : "");
    row(what, a, "tar -czf - | tar -xzf - (same tree)", b, floor.ms / up.ms, ">= 0.8x, RSS < 32 MiB");
    snprintf(what, sizeof what, "download %ld MiB tree (`pocketenv cp`)", mib);
    snprintf(a, sizeof a, "%.0f MiB/s, peak RSS %.1f MiB%s", (double)mib / down.ms * 1000.0,
             (double)down.maxrss_kib / 1024.0, down.status ? " (FAILED)" : "");
    row(what, a, "tar -czf - | tar -xzf - (same tree)", b, floor.ms / down.ms, ">= 0.8x, RSS < 32 MiB");
    snprintf(cmd, sizeof cmd, "rm -rf %s; %s exec %s 'rm -rf /workspace/tree' >/dev/null 2>&1", dir, cli, sandbox);
    run_cmd(cmd);
}

static void bench_cli(const char *cli)
{
    int n = quick ? 10 : 30;
    double v0[64], v1[64], v2[64];
    long rss0 = 0, rss1 = 0, rss2 = 0;
    char version[600], ls[600];
    snprintf(version, sizeof version, "%s --version >/dev/null", cli);
    snprintf(ls, sizeof ls, "%s ls >/dev/null", cli);
    /* interleaved, so that all three see the same machine; the floor is the same libraries
     * loaded by a program that does nothing, started the same way */
    for (int i = 0; i < n; i++) {
        run_result r = run_cmd(PE_LINKED_EMPTY_PATH);
        v0[i] = r.ms;
        rss0 = r.maxrss_kib;
        r = run_cmd(version);
        v1[i] = r.ms;
        rss1 = r.maxrss_kib;
        r = run_cmd(ls);
        v2[i] = r.ms;
        rss2 = r.maxrss_kib;
    }
    stats s0 = summarize(v0, n), s1 = summarize(v1, n), s2 = summarize(v2, n);
    char a[96], f[96];
    snprintf(f, sizeof f, "%.2f ms, %.1f MiB RSS", s0.median, (double)rss0 / 1024.0);
    snprintf(a, sizeof a, "%.2f ms, %.1f MiB RSS (via sh)", s1.median, (double)rss1 / 1024.0);
    row("`pocketenv --version` cold start (median)", a, "empty program linked with the same libraries (via sh)", f,
        s1.median / s0.median, "");
    snprintf(a, sizeof a, "%.2f ms, %.1f MiB RSS (via sh)", s2.median, (double)rss2 / 1024.0);
    row("`pocketenv ls` against the local server (median)", a, "empty program linked with the same libraries (via sh)", f,
        s2.median / s0.median, "");
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        quick |= !strcmp(argv[i], "--quick");
        big |= !strcmp(argv[i], "--big");
        if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
    }
    const char *cli = getenv("POCKETENV_CLI");
    const char *args[] = { "--max-pids", "4096", NULL };
    if (!cli || pe_test_server_start(&srv, args) != 0) {
        fprintf(stderr, "bench: set POCKETENVD and POCKETENV_CLI, and run as root (sandboxes need namespaces)\n");
        return 1;
    }
    char cpu[256] = "unknown CPU";
    FILE *f = popen("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2", "r");
    if (f && fgets(cpu, sizeof cpu, f))
        cpu[strcspn(cpu, "\n")] = '\0';
    if (f)
        pclose(f);
    printf("Machine:%s, %ld cores; pocketenv %s\n\n", cpu, sysconf(_SC_NPROCESSORS_ONLN), POCKETENV_VERSION);
    printf("| benchmark | ours | floor | floor value | ratio | target |\n|---|---|---|---|---|---|\n");
    pocketenv_client *c = pe_test_client(&srv, NULL);
    pocketenv_create_options o = POCKETENV_CREATE_OPTIONS_INIT;
    o.name = "bench";
    pocketenv_sandbox *sb = NULL;
    pocketenv_sandbox_create(c, &sb, &o);
    if (wanted("overhead"))
        bench_overhead(c, sb);
    if (wanted("lifecycle"))
        bench_lifecycle(c);
    if (wanted("concurrency"))
        bench_concurrency(c);
    setenv("POCKETENV_API_URL", srv.url, 1);
    setenv("POCKETENV_STORAGE_URL", srv.url, 1);
    setenv("POCKETENV_TOKEN", srv.token, 1);
    setenv("POCKETENV_PUBLIC_KEY", srv.public_key, 1);
    setenv("POCKETENV_LOCAL", "0", 1);
    if (wanted("transfer"))
        bench_transfer(cli, "bench", quick ? 20 : 100);
    if (big && wanted("transfer"))
        bench_transfer(cli, "bench", 1024);
    if (wanted("cli"))
        bench_cli(cli);
    pocketenv_sandbox_delete(c, sb);
    pocketenv_sandbox_free(sb);
    pocketenv_client_free(c);
    pe_test_server_cleanup(&srv);
    return 0;
}
