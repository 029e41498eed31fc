/*
 * Local sandboxes from Linux namespaces.
 *
 * A running sandbox is one long-lived init process created with new user, mount, PID, UTS and
 * IPC namespaces (the network is the host's, so exposed ports are reachable on loopback). Its
 * root is a small tmpfs holding read-only binds of the host's system directories, the sandbox's
 * own writable /root, /workspace and /tmp, its volumes, and a minimal /dev and /proc. Sandbox
 * root maps to an unprivileged host uid range, so it has no power over the host.
 *
 * The init is placed in the sandbox's cgroups (v1: memory, pids, cpu) and then becomes
 * pocketenv-sandbox-init, which starts every command on request over a control socket (see
 * sandbox_init.c): commands are born inside the namespaces and cgroups, and forking that tiny
 * process is much cheaper than forking the server.
 *
 * The clone()d child that builds the sandbox is prepared entirely before clone(): the server is
 * multithreaded, so the child uses only system calls until it executes the helper.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox_proto.h"
#include "server.h"

static const char *CGROUP_CONTROLLERS[] = { "memory", "pids", "cpu" };
#define NCTRL 3

/* ---------------------------------------------------------------- async-signal-safe helpers */

static void put_num(char *buf, long v)
{
    char tmp[24];
    int n = 0, neg = v < 0;
    unsigned long u = neg ? (unsigned long)-v : (unsigned long)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    int i = 0;
    if (neg)
        buf[i++] = '-';
    while (n)
        buf[i++] = tmp[--n];
    buf[i] = '\0';
}

static void write_all_raw(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        c += w;
        n -= (size_t)w;
    }
}

static int write_file_raw(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = (ssize_t)strlen(text);
    int rc = write(fd, text, (size_t)n) == n ? 0 : -1;
    close(fd);
    return rc;
}

/* Credentials changed with raw system calls: glibc's wrappers broadcast to every thread the
 * parent had (a clone()d child inherits that thread list without the threads) and hang. */
static int become_root_in_namespace(void)
{
    if (syscall(SYS_setgroups, 0, NULL) != 0 && errno != EPERM)
        return -1;
    if (syscall(SYS_setresgid, 0, 0, 0) != 0 || syscall(SYS_setresuid, 0, 0, 0) != 0)
        return -1;
    return 0;
}

/* ---------------------------------------------------------------- paths and cgroups */

char *rt_sandbox_dir(const char *id, const char *sub)
{
    return sub ? pe_strprintf("%s/sandboxes/%s/%s", g_cfg.state_dir, id, sub) : pe_strprintf("%s/sandboxes/%s", g_cfg.state_dir, id);
}

static char *cgroup_dir(const char *ctrl, const char *id)
{
    return pe_strprintf("/sys/fs/cgroup/%s/pocketenv/%s", ctrl, id);
}

int rt_init(void)
{
    g_cfg.cgroups_ok = true;
    for (int i = 0; i < NCTRL; i++) {
        char *d = pe_strprintf("/sys/fs/cgroup/%s/pocketenv", CGROUP_CONTROLLERS[i]);
        if (!d || srv_mkdirs(d, 0755) != 0 || access(d, W_OK) != 0) /* exists is not enough */
            g_cfg.cgroups_ok = false;
        free(d);
    }
    if (!g_cfg.cgroups_ok)
        srv_log("warning: cgroup v1 controllers (memory, pids, cpu) are not writable: sandboxes run without "
                "memory, CPU and process limits");
    g_cfg.userns = true;
    if (geteuid() == 0) {
        g_cfg.uid_base = 100000;
        g_cfg.uid_count = 65536;
    } else {
        g_cfg.uid_base = geteuid();
        g_cfg.uid_count = 1;
    }
    return 0;
}

static void cgroup_setup(const char *id, int64_t memory_bytes, int64_t cpus, int64_t max_pids)
{
    if (!g_cfg.cgroups_ok)
        return;
    char num[32];
    for (int i = 0; i < NCTRL; i++) {
        char *d = cgroup_dir(CGROUP_CONTROLLERS[i], id);
        char *f = NULL;
        if (!d || (mkdir(d, 0755) != 0 && errno != EEXIST)) {
            srv_log("warning: cannot create cgroup %s: %s", d ? d : "?", strerror(errno));
            free(d);
            continue;
        }
        if (i == 0 && memory_bytes > 0) {
            put_num(num, (long)memory_bytes);
            f = pe_strprintf("%s/memory.limit_in_bytes", d);
            if (f && write_file_raw(f, num) != 0)
                srv_log("warning: cannot set the memory limit of %s: %s", id, strerror(errno));
        } else if (i == 1 && max_pids > 0) {
            put_num(num, (long)max_pids);
            f = pe_strprintf("%s/pids.max", d);
            if (f && write_file_raw(f, num) != 0)
                srv_log("warning: cannot set the process limit of %s: %s", id, strerror(errno));
        } else if (i == 2 && cpus > 0) {
            put_num(num, (long)(cpus * 100000));
            f = pe_strprintf("%s/cpu.cfs_quota_us", d);
            if (f && write_file_raw(f, num) != 0)
                srv_log("warning: cannot set the CPU limit of %s: %s", id, strerror(errno));
        }
        free(f);
        free(d);
    }
}

static void cgroup_remove(const char *id)
{
    for (int i = 0; g_cfg.cgroups_ok && i < NCTRL; i++) {
        char *d = cgroup_dir(CGROUP_CONTROLLERS[i], id);
        for (int tries = 0; d && rmdir(d) != 0 && errno == EBUSY && tries < 50; tries++)
            usleep(10000); /* the last processes are still exiting */
        free(d);
    }
}

/* cgroup.procs paths a child writes its pid into (NULL-terminated, caller frees). */
static char **cgroup_procs_paths(const char *id)
{
    char **p = calloc(NCTRL + 1, sizeof *p);
    for (int i = 0, k = 0; p && g_cfg.cgroups_ok && i < NCTRL; i++) {
        char *d = cgroup_dir(CGROUP_CONTROLLERS[i], id);
        if (d)
            p[k++] = pe_strprintf("%s/cgroup.procs", d);
        free(d);
    }
    return p;
}

static void free_strv(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

/* ---------------------------------------------------------------- start: the init process */

typedef enum { OP_MKDIR, OP_BIND, OP_BIND_RO, OP_SYMLINK, OP_FILE, OP_PROC, OP_TMPFS } op_kind;
typedef struct op {
    op_kind kind;
    char *a, *b; /* mkdir: a; bind: a -> b; symlink: a (target) at b; file: a; proc/tmpfs: a */
} op;

typedef struct init_plan {
    op *ops;
    size_t n, cap;
    char *root, *hostname;
    int sync_fd, ready_fd, listen_fd, helper_fd;
} init_plan;

static int plan_add(init_plan *p, op_kind k, char *a, char *b)
{
    if (!a || (k == OP_BIND || k == OP_BIND_RO || k == OP_SYMLINK ? !b : 0)) {
        free(a);
        free(b);
        return -1;
    }
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        op *n = realloc(p->ops, cap * sizeof *n);
        if (!n)
            return -1;
        p->ops = n;
        p->cap = cap;
    }
    p->ops[p->n++] = (op){ k, a, b };
    return 0;
}

/* mkdir -p of `inner` below the new root, one op per component. */
static int plan_mkdirs(init_plan *p, const char *inner)
{
    char *copy = strdup(inner);
    int rc = copy ? 0 : -1;
    for (char *s = copy ? copy + 1 : NULL; !rc && s && *s; s++) {
        if (*s == '/') {
            *s = '\0';
            rc = plan_add(p, OP_MKDIR, pe_strprintf("%s%s", p->root, copy), NULL);
            *s = '/';
        }
    }
    if (!rc)
        rc = plan_add(p, OP_MKDIR, pe_strprintf("%s%s", p->root, copy), NULL);
    free(copy);
    return rc;
}

static void plan_free(init_plan *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->ops[i].a);
        free(p->ops[i].b);
    }
    free(p->ops);
    free(p->root);
    free(p->hostname);
}

static int plan_build(init_plan *p, const rt_spec *spec)
{
    static const char *system_dirs[] = { "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt" };
    static const char *devices[] = { "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty" };
    int rc = 0;
    for (size_t i = 0; !rc && i < sizeof system_dirs / sizeof *system_dirs; i++) {
        struct stat st;
        if (lstat(system_dirs[i], &st) != 0)
            continue;
        if (S_ISLNK(st.st_mode)) { /* merged /usr: /bin -> usr/bin */
            char target[4096];
            ssize_t n = readlink(system_dirs[i], target, sizeof target - 1);
            if (n > 0) {
                target[n] = '\0';
                rc = plan_add(p, OP_SYMLINK, strdup(target), pe_strprintf("%s%s", p->root, system_dirs[i]));
            }
        } else if (S_ISDIR(st.st_mode)) {
            rc = plan_mkdirs(p, system_dirs[i]) ||
                 plan_add(p, OP_BIND_RO, strdup(system_dirs[i]), pe_strprintf("%s%s", p->root, system_dirs[i]));
        }
    }
    rc = rc || plan_mkdirs(p, "/dev") || plan_add(p, OP_TMPFS, pe_strprintf("%s/dev", p->root), NULL);
    for (size_t i = 0; !rc && i < sizeof devices / sizeof *devices; i++)
        rc = plan_add(p, OP_FILE, pe_strprintf("%s%s", p->root, devices[i]), NULL) ||
             plan_add(p, OP_BIND, strdup(devices[i]), pe_strprintf("%s%s", p->root, devices[i]));
    rc = rc || plan_add(p, OP_SYMLINK, strdup("/proc/self/fd"), pe_strprintf("%s/dev/fd", p->root)) ||
         plan_add(p, OP_SYMLINK, strdup("/proc/self/fd/0"), pe_strprintf("%s/dev/stdin", p->root)) ||
         plan_add(p, OP_SYMLINK, strdup("/proc/self/fd/1"), pe_strprintf("%s/dev/stdout", p->root)) ||
         plan_add(p, OP_SYMLINK, strdup("/proc/self/fd/2"), pe_strprintf("%s/dev/stderr", p->root)) ||
         plan_mkdirs(p, "/dev/shm") || plan_add(p, OP_TMPFS, pe_strprintf("%s/dev/shm", p->root), NULL) ||
         plan_mkdirs(p, "/proc") || plan_add(p, OP_PROC, pe_strprintf("%s/proc", p->root), NULL);
    for (size_t i = 0; !rc && i < spec->nmounts; i++) {
        const rt_mount *m = &spec->mounts[i];
        rc = plan_mkdirs(p, m->target) ||
             plan_add(p, m->read_only ? OP_BIND_RO : OP_BIND, strdup(m->source), pe_strprintf("%s%s", p->root, m->target));
    }
    rc = rc || plan_mkdirs(p, "/.oldroot");
    return rc;
}

static int run_op(const op *o)
{
    switch (o->kind) {
    case OP_MKDIR:
        return mkdir(o->a, 0755) == 0 || errno == EEXIST ? 0 : -1;
    case OP_FILE: {
        int fd = open(o->a, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
        if (fd < 0)
            return -1;
        close(fd);
        return 0;
    }
    case OP_BIND:
        return mount(o->a, o->b, NULL, MS_BIND | MS_REC, NULL);
    case OP_BIND_RO:
        if (mount(o->a, o->b, NULL, MS_BIND | MS_REC, NULL) != 0)
            return -1;
        /* Keep the source mount's locked flags (nosuid/nodev/noexec) while adding read-only. */
        if (mount(NULL, o->b, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID, NULL) == 0)
            return 0;
        return mount(NULL, o->b, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    case OP_SYMLINK:
        return symlink(o->a, o->b) == 0 || errno == EEXIST ? 0 : -1;
    case OP_PROC:
        return mount("proc", o->a, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    case OP_TMPFS:
        return mount("tmpfs", o->a, "tmpfs", MS_NOSUID, "mode=755,size=65536k");
    }
    return -1;
}

static void report_and_exit(int fd, const char *stage, int err)
{
    char num[24];
    put_num(num, err);
    write_all_raw(fd, "E", 1);
    write_all_raw(fd, stage, strlen(stage));
    write_all_raw(fd, ": errno ", 8);
    write_all_raw(fd, num, strlen(num));
    _exit(1);
}

static int init_main(void *arg)
{
    init_plan *p = arg;
    char c;
    /* wait until the parent has written our uid/gid maps */
    if (read(p->sync_fd, &c, 1) != 1)
        _exit(1);
    /* Keep nothing of the server's but the control socket (3), the ready pipe (4) and the
     * helper (5): an inherited listening socket of the server would outlive a crash and steal
     * connections from its successor. */
    if (dup2(p->listen_fd, 10) != 10 || dup2(p->ready_fd, 11) != 11 || dup2(p->helper_fd, 12) != 12 ||
        dup2(10, PE_INIT_LISTEN_FD) != PE_INIT_LISTEN_FD || dup2(11, 4) != 4 || dup2(12, 5) != 5)
        _exit(1);
    p->ready_fd = 4;
    close_range(6, ~0U, 0);
    fcntl(4, F_SETFD, FD_CLOEXEC); /* closes (EOF for the parent) when the helper starts */
    fcntl(5, F_SETFD, FD_CLOEXEC);
    if (become_root_in_namespace() != 0)
        report_and_exit(p->ready_fd, "set credentials", errno);
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        report_and_exit(p->ready_fd, "make mounts private", errno);
    if (mount("tmpfs", p->root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=65536k") != 0)
        report_and_exit(p->ready_fd, "mount root tmpfs", errno);
    for (size_t i = 0; i < p->n; i++)
        if (run_op(&p->ops[i]) != 0)
            report_and_exit(p->ready_fd, p->ops[i].b ? p->ops[i].b : p->ops[i].a, errno);
    if (chdir(p->root) != 0 || syscall(SYS_pivot_root, ".", ".oldroot") != 0)
        report_and_exit(p->ready_fd, "pivot_root", errno);
    if (chdir("/") != 0 || umount2("/.oldroot", MNT_DETACH) != 0 || rmdir("/.oldroot") != 0)
        report_and_exit(p->ready_fd, "detach the host root", errno);
    if (sethostname(p->hostname, strlen(p->hostname)) != 0)
        report_and_exit(p->ready_fd, "sethostname", errno);
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    setsid();
    for (int fd = 0; fd < 3; fd++) {
        close(fd);
        if (open("/dev/null", O_RDWR) != fd)
            report_and_exit(p->ready_fd, "reopen stdio", errno);
    }
    char *argv[] = { "pocketenv-init", NULL }, *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
    syscall(SYS_execveat, 5, "", argv, envp, AT_EMPTY_PATH);
    report_and_exit(p->ready_fd, "start pocketenv-sandbox-init", errno);
    return 1;
}

static int64_t proc_start_time(pid_t pid, char *state_out)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    if (!p || !p[1])
        return -1;
    p += 2;
    if (state_out)
        *state_out = *p;
    for (int field = 3; field < 22 && p; field++) {
        p = strchr(p, ' ');
        if (p)
            p++;
    }
    return p ? strtoll(p, NULL, 10) : -1;
}

bool rt_alive(pid_t pid, int64_t start_time)
{
    char state = 0;
    if (pid <= 0)
        return false;
    int64_t st = proc_start_time(pid, &state);
    return st >= 0 && st == start_time && state != 'Z' && state != 'X';
}

static int write_id_maps(pid_t pid)
{
    char path[64], map[64];
    snprintf(map, sizeof map, "0 %u %u\n", (unsigned)g_cfg.uid_base, (unsigned)g_cfg.uid_count);
    snprintf(path, sizeof path, "/proc/%d/uid_map", (int)pid);
    if (write_file_raw(path, map) != 0)
        return -1;
    if (geteuid() != 0) {
        snprintf(path, sizeof path, "/proc/%d/setgroups", (int)pid);
        write_file_raw(path, "deny");
        snprintf(map, sizeof map, "0 %u 1\n", (unsigned)getegid());
    }
    snprintf(path, sizeof path, "/proc/%d/gid_map", (int)pid);
    return write_file_raw(path, map);
}

/* The control socket lives beside the sandbox's files; only root can reach it. */
static int control_address(const char *id, struct sockaddr_un *a)
{
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    int n = snprintf(a->sun_path, sizeof a->sun_path, "%s/sandboxes/%s/control", g_cfg.state_dir, id);
    return n > 0 && (size_t)n < sizeof a->sun_path ? 0 : -1;
}

static int control_listen(const char *id)
{
    struct sockaddr_un a;
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0 || control_address(id, &a) != 0) {
        if (fd >= 0)
            close(fd);
        errno = ENAMETOOLONG;
        return -1;
    }
    unlink(a.sun_path);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || chmod(a.sun_path, 0600) != 0 || listen(fd, 128) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int control_connect(const char *id)
{
    struct sockaddr_un a;
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int size = PE_INIT_MAX_REQUEST + 4096;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    if (control_address(id, &a) != 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int rt_start(const rt_spec *spec, pid_t *pid_out, int64_t *start_out)
{
    init_plan p = { 0 };
    p.listen_fd = p.helper_fd = -1;
    int sync[2] = { -1, -1 }, ready[2] = { -1, -1 };
    char *stack = NULL;
    const size_t stack_size = 256 * 1024;
    int rc = -1;
    pid_t pid = -1;
    p.root = rt_sandbox_dir(spec->id, "root");
    p.hostname = strdup(spec->hostname);
    if (!p.root || !p.hostname || srv_mkdirs(p.root, 0755) != 0 || plan_build(&p, spec) != 0) {
        srv_log("sandbox %s: cannot prepare its file system: %s", spec->id, strerror(errno));
        goto out;
    }
    cgroup_setup(spec->id, spec->memory_bytes, spec->cpus, spec->max_pids);
    p.listen_fd = control_listen(spec->id);
    p.helper_fd = open(g_cfg.init_helper, O_RDONLY | O_CLOEXEC);
    if (p.listen_fd < 0 || p.helper_fd < 0) {
        srv_log("sandbox %s: cannot prepare its init (%s): %s", spec->id, g_cfg.init_helper, strerror(errno));
        goto out;
    }
    if (pipe2(sync, O_CLOEXEC) != 0 || pipe2(ready, O_CLOEXEC) != 0 || !(stack = malloc(stack_size)))
        goto out;
    p.sync_fd = sync[0];
    p.ready_fd = ready[1];
    pid = clone(init_main, stack + stack_size,
                CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD, &p);
    if (pid < 0) {
        srv_log("sandbox %s: clone failed: %s", spec->id, strerror(errno));
        goto out;
    }
    close(sync[0]);
    close(ready[1]);
    sync[0] = ready[1] = -1;
    char **procs = cgroup_procs_paths(spec->id);
    char num[24];
    put_num(num, pid);
    for (size_t i = 0; procs && procs[i]; i++)
        write_file_raw(procs[i], num);
    free_strv(procs);
    if (write_id_maps(pid) != 0) {
        srv_log("sandbox %s: cannot write the user namespace maps: %s", spec->id, strerror(errno));
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        goto out;
    }
    write_all_raw(sync[1], "G", 1);
    char answer[256] = "";
    ssize_t n = read(ready[0], answer, sizeof answer - 1);
    if (n == 0 && proc_start_time(pid, NULL) >= 0) { /* EOF: the helper replaced the child */
        rc = 0;
        *pid_out = pid;
        *start_out = proc_start_time(pid, NULL);
    } else {
        answer[n > 0 ? n : 0] = '\0';
        srv_log("sandbox %s: init failed: %s", spec->id, n > 1 ? answer + 1 : "exited early");
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
out:
    for (int i = 0; i < 2; i++) {
        if (sync[i] >= 0)
            close(sync[i]);
        if (ready[i] >= 0)
            close(ready[i]);
    }
    free(stack);
    if (p.listen_fd >= 0)
        close(p.listen_fd);
    if (p.helper_fd >= 0)
        close(p.helper_fd);
    plan_free(&p);
    return rc;
}

int rt_stop(const char *id, pid_t pid, int64_t start_time)
{
    if (rt_alive(pid, start_time)) {
        kill(pid, SIGKILL); /* the PID namespace dies with its init: every process goes */
        for (int i = 0; i < 500; i++) {
            if (waitpid(pid, NULL, WNOHANG) == pid || !rt_alive(pid, start_time))
                break;
            usleep(2000);
        }
    } else if (pid > 0) {
        waitpid(pid, NULL, WNOHANG); /* reap a dead init */
    }
    cgroup_remove(id);
    struct sockaddr_un a;
    if (control_address(id, &a) == 0)
        unlink(a.sun_path);
    return 0;
}

/* ---------------------------------------------------------------- exec */

typedef struct capture {
    pe_buf buf;
    size_t limit;
    bool truncated;
} capture;

static void capture_read(int fd, capture *c, bool *open_flag)
{
    char chunk[16384];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) {
        if (n == 0 || (errno != EINTR && errno != EAGAIN))
            *open_flag = false;
        return;
    }
    size_t room = c->buf.len < c->limit ? c->limit - c->buf.len : 0;
    if ((size_t)n > room)
        c->truncated = true;
    pe_buf_append(&c->buf, chunk, (size_t)n < room ? (size_t)n : room);
}

static char *capture_finish(capture *c)
{
    if (c->truncated)
        pe_buf_printf(&c->buf, "\n[pocketenvd: output truncated after %zu bytes]\n", c->limit);
    if (!c->buf.data)
        pe_buf_append(&c->buf, "", 0);
    return c->buf.data;
}

static long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void rt_exec_result_free(rt_exec_result *r)
{
    if (!r)
        return;
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

/* Packs a request: header, cwd, argv, env. */
static int pack_request(pe_buf *b, uint32_t kind, const char *cwd, char *const argv[], char *const *env)
{
    pe_init_request rq = { PE_INIT_MAGIC, kind, 0, 0, 0, 0 };
    for (; argv[rq.argc]; rq.argc++)
        ;
    for (; env && env[rq.envc]; rq.envc++)
        ;
    int rc = pe_buf_append(b, &rq, sizeof rq) || pe_buf_append(b, cwd, strlen(cwd) + 1);
    for (uint32_t i = 0; !rc && i < rq.argc; i++)
        rc = pe_buf_append(b, argv[i], strlen(argv[i]) + 1);
    for (uint32_t i = 0; !rc && i < rq.envc; i++)
        rc = pe_buf_append(b, env[i], strlen(env[i]) + 1);
    if (!rc && b->len > PE_INIT_MAX_REQUEST)
        rc = -1;
    return rc ? -1 : 0;
}

static int send_request(int sock, const pe_buf *b, const int fds[3])
{
    struct iovec iov = { b->data, b->len };
    union {
        char raw[CMSG_SPACE(sizeof(int) * 3)];
        struct cmsghdr align;
    } ctl;
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (fds) {
        memset(&ctl, 0, sizeof ctl);
        m.msg_control = ctl.raw;
        m.msg_controllen = sizeof ctl.raw;
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * 3);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * 3);
    }
    return sendmsg(sock, &m, MSG_NOSIGNAL) == (ssize_t)b->len ? 0 : -1;
}

static int read_reply(int sock, pe_init_reply *r)
{
    ssize_t n;
    while ((n = recv(sock, r, sizeof *r, 0)) < 0 && errno == EINTR)
        ;
    return n == (ssize_t)sizeof *r ? 0 : -1;
}

int rt_signal(const char *id, int32_t pid, int sig)
{
    int sock = control_connect(id);
    pe_buf b = { 0 };
    pe_init_request rq = { PE_INIT_MAGIC, PE_INIT_SIGNAL, 0, 0, pid, sig };
    pe_init_reply r;
    int rc = sock >= 0 && pe_buf_append(&b, &rq, sizeof rq) == 0 && send_request(sock, &b, NULL) == 0 &&
                     read_reply(sock, &r) == 0 ? 0 : -1;
    pe_buf_free(&b);
    if (sock >= 0)
        close(sock);
    return rc;
}

int rt_exec(const char *id, char *const argv[], const rt_exec_opts *o, rt_exec_result *res)
{
    memset(res, 0, sizeof *res);
    int out_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 }, logfd = -1, rc = -1;
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    int sock = control_connect(id);
    pe_buf req = { 0 };
    capture cout = { { 0 }, o->output_limit ? o->output_limit : (1u << 20), false }, cerr = cout;
    if (sock < 0) {
        srv_log("sandbox %s: cannot reach its init: %s", id, strerror(errno));
        goto out;
    }
    int fds[3] = { o->stdin_fd >= 0 ? o->stdin_fd : devnull, devnull, devnull };
    if (o->detach) {
        logfd = o->log_path ? open(o->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600) : -1;
        fds[1] = fds[2] = logfd >= 0 ? logfd : devnull;
    } else {
        if (pipe2(err_pipe, O_CLOEXEC) != 0 || (o->stdout_fd < 0 && pipe2(out_pipe, O_CLOEXEC) != 0))
            goto out;
        fds[1] = o->stdout_fd >= 0 ? o->stdout_fd : out_pipe[1];
        fds[2] = err_pipe[1];
    }
    if (pack_request(&req, o->detach ? PE_INIT_DETACH : PE_INIT_RUN, o->cwd ? o->cwd : "/", argv, o->env) != 0 ||
        send_request(sock, &req, fds) != 0) {
        srv_log("sandbox %s: cannot send the command to its init: %s", id, strerror(errno));
        goto out;
    }
    /* the write ends now live in the command only: EOF comes when it (and its children) close them */
    if (out_pipe[1] >= 0)
        close(out_pipe[1]);
    if (err_pipe[1] >= 0)
        close(err_pipe[1]);
    out_pipe[1] = err_pipe[1] = -1;
    pe_init_reply r;
    if (read_reply(sock, &r) != 0 || r.kind != PE_INIT_STARTED) {
        srv_log("sandbox %s: the command did not start (%s)", id, r.kind == PE_INIT_ERROR ? strerror(r.value) : "init gone");
        goto out;
    }
    res->pid = r.value;
    if (o->detach) {
        rc = 0;
        goto out;
    }
    long deadline = o->timeout_ms > 0 ? mono_ms() + o->timeout_ms : 0;
    bool out_open = out_pipe[0] >= 0, err_open = true, running = true;
    int code = 255;
    while (running) {
        struct pollfd p[3] = { { sock, POLLIN, 0 }, { out_open ? out_pipe[0] : -1, POLLIN, 0 },
                               { err_open ? err_pipe[0] : -1, POLLIN, 0 } };
        long left = deadline ? deadline - mono_ms() : -1;
        if (deadline && left <= 0) {
            res->timed_out = true; /* hanging up makes the init kill the command's process group */
            break;
        }
        int pr = poll(p, 3, deadline ? (int)left : -1);
        if (pr < 0 && errno != EINTR)
            break;
        if (pr <= 0)
            continue;
        if (p[1].revents)
            capture_read(out_pipe[0], &cout, &out_open);
        if (p[2].revents)
            capture_read(err_pipe[0], &cerr, &err_open);
        if (p[0].revents) {
            if (read_reply(sock, &r) == 0 && r.kind == PE_INIT_EXITED)
                code = r.value;
            running = false;
        }
    }
    close(sock);
    sock = -1;
    /* collect what it wrote without waiting for background children that still hold the pipes */
    for (int i = 0; i < 64 && (out_open || err_open); i++) {
        struct pollfd p[2] = { { out_open ? out_pipe[0] : -1, POLLIN, 0 }, { err_open ? err_pipe[0] : -1, POLLIN, 0 } };
        if (poll(p, 2, res->timed_out ? 50 : 20) <= 0)
            break;
        if (p[0].revents)
            capture_read(out_pipe[0], &cout, &out_open);
        if (p[1].revents)
            capture_read(err_pipe[0], &cerr, &err_open);
    }
    res->exit_code = res->timed_out ? 124 : code;
    res->out = capture_finish(&cout);
    res->err = capture_finish(&cerr);
    cout.buf.data = cerr.buf.data = NULL;
    if (res->timed_out) {
        char *e = pe_strprintf("%s\n[pocketenvd: command killed after %ld ms]\n", res->err, o->timeout_ms);
        if (e) {
            free(res->err);
            res->err = e;
        }
    }
    rc = 0;
out:
    pe_buf_free(&req);
    pe_buf_free(&cout.buf);
    pe_buf_free(&cerr.buf);
    int close_fds[] = { out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1], devnull, logfd, sock };
    for (size_t i = 0; i < sizeof close_fds / sizeof *close_fds; i++)
        if (close_fds[i] >= 0)
            close(close_fds[i]);
    return rc;
}
