/*
 * pocketenv-sandbox-init: PID 1 of a local sandbox.
 *
 * pocketenvd builds the sandbox (namespaces, mounts, cgroups) and then replaces the sandbox's
 * first process with this small program, which:
 *   - reaps every orphan (it is the sandbox's init);
 *   - runs commands on request: pocketenvd connects to the control socket (fd 3, a listening
 *     SOCK_SEQPACKET Unix socket bound to a path only root can reach) and sends one request
 *     with argv, environment, working directory and the command's stdin/stdout/stderr as
 *     SCM_RIGHTS descriptors. The answer is the command's pid, then its exit status.
 *     Closing the connection before the command ends kills its process group (timeouts, and a
 *     crashed server, leave nothing running).
 * Because it is tiny and single-threaded, forking it costs a fraction of forking the server, and
 * its children are born inside the sandbox's namespaces and cgroups.
 *
 * Wire format shared with runtime.c: see sandbox_proto.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plain_command.h"
#include "sandbox_proto.h"

#define MAX_CONNS 512
#define MAX_DIRECT_WORDS 64 /* longer plain command lines go through the shell */

typedef struct conn {
    int fd;
    pid_t pid; /* 0 until a command runs */
} conn;

static conn conns[MAX_CONNS];
static size_t nconns;

static void reply(int fd, uint32_t kind, int32_t value)
{
    pe_init_reply r = { kind, value };
    send(fd, &r, sizeof r, MSG_NOSIGNAL);
}

static void drop(size_t i)
{
    close(conns[i].fd);
    conns[i] = conns[--nconns];
}

/* Splits the packed strings of a request into argv/env; returns 0 on success. */
static int unpack(char *data, size_t len, uint32_t argc, uint32_t envc, char **cwd, char ***argv, char ***env)
{
    char **a = calloc(argc + 1, sizeof *a), **e = calloc(envc + 1, sizeof *e);
    char *p = data, *end = data + len;
    if (!a || !e || len == 0 || end[-1] != '\0')
        goto bad;
    *cwd = p;
    p += strlen(p) + 1;
    for (uint32_t i = 0; i < argc; i++) {
        if (p >= end)
            goto bad;
        a[i] = p;
        p += strlen(p) + 1;
    }
    for (uint32_t i = 0; i < envc; i++) {
        if (p >= end)
            goto bad;
        e[i] = p;
        p += strlen(p) + 1;
    }
    if (!argc)
        goto bad;
    *argv = a;
    *env = e;
    return 0;
bad:
    free(a);
    free(e);
    return -1;
}

typedef struct spawn_job {
    char **argv, **env;
    /* tried first when set: the program a plain `sh -c` line would exec (see plain_command.h) */
    const char *direct_file;
    char **direct_argv, **direct_env;
    const char *cwd;
    int fds[3]; /* become 0, 1, 2; always >= 3 here because the init keeps its own 0-2 open */
    int err;    /* set by the child when it cannot start the command */
} spawn_job;

/* The child half of spawn(): runs on its own stack in our memory while we are suspended, so it
 * only makes system calls. Every other descriptor of ours is close-on-exec, so the command gets
 * exactly its three. The init has no signal handlers (SIGCHLD arrives on a signalfd), so
 * unlike posix_spawn it need not reset 64 dispositions one by one: ignored signals stay ignored
 * across exec, as they would with posix_spawn. Not instrumented: a sanitizer's bookkeeping
 * would run on a stack it does not know and write to the command's stderr. */
__attribute__((no_sanitize_address)) static int spawn_child(void *arg)
{
    spawn_job *j = arg;
    sigset_t none;
    sigemptyset(&none);
    for (int k = 0; k < 3; k++)
        if (dup2(j->fds[k], k) != k)
            goto fail;
    if (chdir(j->cwd) != 0 || setsid() < 0 || sigprocmask(SIG_SETMASK, &none, NULL) != 0)
        goto fail;
    if (j->direct_file)
        execve(j->direct_file, j->direct_argv, j->direct_env); /* on failure the shell decides */
    execve(j->argv[0], j->argv, j->env);
fail:
    j->err = errno;
    _exit(127);
}

/* Starts a command the way posix_spawn would (vfork semantics: no copy of our memory, we
 * resume once it has exec'd), minus the work posix_spawn does for processes with signal
 * handlers and threads, and with one stack reused for every spawn instead of a fresh mapping
 * whose unmapping flushes every CPU's TLB. Returns the pid, or -1 with job->err set. */
static pid_t spawn(spawn_job *job)
{
    static _Alignas(16) char stack[64 * 1024];
    job->err = 0;
    pid_t pid = clone(spawn_child, stack + sizeof stack, CLONE_VM | CLONE_VFORK | SIGCHLD, job);
    if (pid > 0 && job->err) { /* it never ran the command: collect it here */
        waitpid(pid, NULL, 0);
        return -1;
    }
    return pid;
}

/* What plan_direct() allocates. */
typedef struct direct_plan {
    char file[4096], *words, **argv, **env, *pwd;
} direct_plan;

static void direct_plan_free(direct_plan *d)
{
    free(d->words);
    free(d->argv);
    free(d->env);
    free(d->pwd);
}

/* When argv is `/bin/sh -c LINE` and LINE is a plain program call, sets up the job to start
 * that program directly, as the shell would have after parsing LINE, saving the shell's start
 * (about a quarter of a short command's cost). The environment gains PWD, which the shell
 * exports. Anything unusual leaves the job as it is. */
static void plan_direct(spawn_job *job, direct_plan *d)
{
    char **a = job->argv;
    size_t envc = 0, len;
    if (!a[0] || strcmp(a[0], "/bin/sh") || !a[1] || strcmp(a[1], "-c") || !a[2] || a[3])
        return;
    len = strlen(a[2]) + 1;
    d->words = malloc(len);
    d->argv = calloc(MAX_DIRECT_WORDS + 1, sizeof *d->argv);
    if (!d->words || !d->argv || !pe_plain_command(a[2], d->words, len, d->argv, MAX_DIRECT_WORDS))
        return;
    for (; job->env[envc]; envc++)
        ;
    d->env = calloc(envc + 2, sizeof *d->env);
    d->pwd = malloc(strlen(job->cwd) + 5);
    if (!d->env || !d->pwd)
        return;
    const char *path = NULL;
    size_t k = 0;
    for (size_t i = 0; i < envc; i++) {
        if (!strncmp(job->env[i], "PATH=", 5))
            path = job->env[i] + 5;
        if (strncmp(job->env[i], "PWD=", 4))
            d->env[k++] = job->env[i];
    }
    if (pe_find_program(d->argv[0], path, d->file, sizeof d->file) != 0)
        return;
    strcpy(d->pwd, "PWD=");
    strcat(d->pwd, job->cwd);
    d->env[k] = d->pwd;
    job->direct_file = d->file;
    job->direct_argv = d->argv;
    job->direct_env = d->env;
}

static void run_request(size_t i, char *buf)
{
    struct iovec iov = { buf, PE_INIT_MAX_REQUEST };
    union {
        char raw[CMSG_SPACE(sizeof(int) * 3)];
        struct cmsghdr align;
    } ctl;
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.raw, .msg_controllen = sizeof ctl.raw };
    ssize_t n = recvmsg(conns[i].fd, &m, MSG_CMSG_CLOEXEC);
    if (n <= 0) {
        drop(i);
        return;
    }
    int fds[3] = { -1, -1, -1 };
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof fds))
            memcpy(fds, CMSG_DATA(c), sizeof fds);
    pe_init_request *rq = (pe_init_request *)buf;
    if ((size_t)n < sizeof *rq || rq->magic != PE_INIT_MAGIC) {
        reply(conns[i].fd, PE_INIT_ERROR, EINVAL);
        goto done;
    }
    if (rq->op == PE_INIT_SIGNAL) { /* signal a process group started earlier (services) */
        if (rq->pid > 1) {
            kill(-rq->pid, rq->sig);
            kill(rq->pid, rq->sig);
        }
        reply(conns[i].fd, PE_INIT_EXITED, 0);
        goto done;
    }
    char *cwd, **argv, **env;
    if (fds[0] < 0 || unpack(buf + sizeof *rq, (size_t)n - sizeof *rq, rq->argc, rq->envc, &cwd, &argv, &env) != 0) {
        reply(conns[i].fd, PE_INIT_ERROR, EINVAL);
        goto done;
    }
    /* the shell falls back to / as well when the directory is gone */
    spawn_job job = { argv, env, NULL, NULL, NULL, access(cwd, X_OK) == 0 ? cwd : "/", { fds[0], fds[1], fds[2] }, 0 };
    direct_plan plan = { .words = NULL };
    plan_direct(&job, &plan);
    pid_t pid = spawn(&job);
    int err = pid < 0 ? (job.err ? job.err : errno) : 0; /* errno when clone itself failed */
    direct_plan_free(&plan);
    free(argv);
    free(env);
    if (err) {
        reply(conns[i].fd, PE_INIT_ERROR, err);
        goto done;
    }
    reply(conns[i].fd, PE_INIT_STARTED, pid);
    if (rq->op == PE_INIT_DETACH)
        goto done; /* services run on their own; init still reaps them */
    conns[i].pid = pid;
    for (int k = 0; k < 3; k++)
        close(fds[k]);
    return;
done:
    for (int k = 0; k < 3; k++)
        if (fds[k] >= 0)
            close(fds[k]);
    drop(i);
}

static void reap(void)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (size_t i = 0; i < nconns; i++) {
            if (conns[i].pid != pid)
                continue;
            reply(conns[i].fd, PE_INIT_EXITED, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
            drop(i);
            break;
        }
    }
}

int main(void)
{
    prctl(PR_SET_NAME, "pocketenv-init", 0, 0, 0);
    /* commands must never inherit the control socket: they could take the server's requests */
    if (fcntl(PE_INIT_LISTEN_FD, F_SETFD, FD_CLOEXEC) != 0)
        return 1;
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
    char *buf = malloc(PE_INIT_MAX_REQUEST);
    if (sfd < 0 || !buf)
        return 1;
    struct pollfd p[MAX_CONNS + 2];
    for (;;) {
        p[0] = (struct pollfd){ PE_INIT_LISTEN_FD, POLLIN, 0 };
        p[1] = (struct pollfd){ sfd, POLLIN, 0 };
        for (size_t i = 0; i < nconns; i++)
            p[i + 2] = (struct pollfd){ conns[i].fd, POLLIN, 0 };
        size_t polled = nconns;
        if (poll(p, polled + 2, -1) < 0)
            continue;
        if (p[1].revents) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof si) > 0)
                ;
            reap();
        }
        /* connections, newest first so that dropping (swap with last) never skips one */
        for (size_t k = polled; k-- > 0;) {
            if (k >= nconns || !p[k + 2].revents || conns[k].fd != p[k + 2].fd)
                continue;
            if (conns[k].pid == 0) {
                run_request(k, buf);
            } else { /* the server hung up while the command runs: stop it */
                kill(-conns[k].pid, SIGKILL);
                kill(conns[k].pid, SIGKILL);
                conns[k].pid = 0;
                drop(k);
            }
        }
        if (p[0].revents && nconns < MAX_CONNS) {
            int fd = accept4(PE_INIT_LISTEN_FD, NULL, NULL, SOCK_CLOEXEC);
            if (fd >= 0)
                conns[nconns++] = (conn){ fd, 0 };
        }
    }
}
