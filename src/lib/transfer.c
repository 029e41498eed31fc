/*
 * upload / download / copy-to (spec §5). Archives are streamed through a pipe between a worker
 * thread (libarchive) and libcurl, so memory is bounded by a few blocks and no temporary file
 * is written. The platform's storage keeps each blob for one download only.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>

#include "archive_int.h"
#include "calls.h"

typedef int (*stream_fn)(int fd, void *arg);

/* Result of a worker thread, carried back to the caller's thread (errors are thread-local). */
typedef struct worker {
    pthread_t thread;
    stream_fn fn;
    void *arg;
    int fd;
    int rc;
    char message[1024];
} worker;

static void block_sigpipe(sigset_t *old)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &s, old);
}

/* Discards a SIGPIPE raised by writing to a closed pipe while blocked, then restores the mask. */
static void restore_sigpipe(const sigset_t *old)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGPIPE);
    struct timespec zero = { 0, 0 };
    while (sigtimedwait(&s, NULL, &zero) > 0)
        ;
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

static void *worker_main(void *p)
{
    worker *w = p;
    sigset_t old;
    block_sigpipe(&old);
    w->rc = w->fn(w->fd, w->arg);
    if (w->rc)
        snprintf(w->message, sizeof w->message, "%s", pocketenv_error_last()->message);
    close(w->fd);
    restore_sigpipe(&old);
    return NULL;
}

static int worker_start(worker *w, stream_fn fn, void *arg, int fd)
{
    w->fn = fn;
    w->arg = arg;
    w->fd = fd;
    w->rc = 0;
    w->message[0] = '\0';
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        close(fd);
        return pe_fail(POCKETENV_ERROR, "cannot start a transfer thread");
    }
    return 0;
}

static int worker_join(worker *w)
{
    pthread_join(w->thread, NULL);
    return w->rc ? pe_fail(w->rc, "%s", w->message) : 0;
}

typedef struct progress {
    const pocketenv_transfer_options *opts;
    int upload;
} progress;

static int on_progress(void *p, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    (void)dltotal;
    (void)ultotal;
    progress *pr = p;
    if (!pr->opts || !pr->opts->progress)
        return 0;
    return pr->opts->progress((uint64_t)(pr->upload ? ulnow : dlnow), pr->opts->payload) ? 1 : 0;
}

static void setup_storage_request(pocketenv_client *c, CURL *h, const char *url, struct curl_slist **hdrs,
                                  char *errbuf, progress *pr)
{
    curl_easy_reset(h);
    pe_curl_setup(c, h, 0);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, pr);
    char *auth = pe_strprintf("Authorization: Bearer %s", c->token);
    if (auth)
        *hdrs = curl_slist_append(*hdrs, auth);
    free(auth);
    *hdrs = curl_slist_append(*hdrs, "Expect:");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hdrs);
}

/* ---------------------------------------------------------------- upload to storage */

typedef struct pipe_source {
    int fd;
    bool eof; /* the producer finished (well or not) before curl stopped reading */
} pipe_source;

static size_t read_pipe(char *buf, size_t size, size_t n, void *p)
{
    pipe_source *src = p;
    for (;;) {
        ssize_t r = read(src->fd, buf, size * n);
        src->eof |= r == 0;
        if (r >= 0)
            return (size_t)r;
        if (errno != EINTR)
            return CURL_READFUNC_ABORT;
    }
}

static size_t collect(char *data, size_t size, size_t n, void *p)
{
    pe_buf *b = p;
    if (b->len + size * n > (1u << 20))
        return 0;
    return pe_buf_append(b, data, size * n) ? 0 : size * n;
}

/* Runs producer(fd) in a thread and POSTs what it writes as the multipart "file" part. */
static int storage_upload(pocketenv_client *c, CURL *h, stream_fn producer, void *arg,
                          const pocketenv_transfer_options *opts, char **uuid)
{
    int fds[2];
    *uuid = NULL;
    if (pipe2(fds, O_CLOEXEC) != 0)
        return pe_fail(POCKETENV_EIO, "cannot create a pipe: %s", strerror(errno));
    worker w;
    if (worker_start(&w, producer, arg, fds[1])) {
        close(fds[0]);
        return POCKETENV_ERROR;
    }
    char *url = pe_strprintf("%s/cp", c->storage_url);
    /* the storage host is configured apart from the API's: name it, it is often the surprise */
    char *what_buf = pe_strprintf("upload to storage %s failed", c->storage_url);
    const char *what = what_buf ? what_buf : "upload to storage failed";
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *hdrs = NULL;
    progress pr = { opts, 1 };
    pe_buf body = { 0 };
    curl_mime *mime = curl_mime_init(h);
    curl_mimepart *part = curl_mime_addpart(mime);
    curl_mime_name(part, "file");
    curl_mime_filename(part, "archive.tar.gz");
    curl_mime_type(part, "application/gzip");
    pipe_source src = { fds[0], false };
    curl_mime_data_cb(part, -1, read_pipe, NULL, NULL, &src);
    setup_storage_request(c, h, url, &hdrs, errbuf, &pr);
    curl_easy_setopt(h, CURLOPT_MIMEPOST, mime);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    CURLcode cc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    close(fds[0]); /* unblocks the producer if the upload stopped early */
    int producer_rc = worker_join(&w);
    /* Which failure caused the others: a producer that failed and stopped first (curl then sent
     * a short stream); else a failed transfer or an error answer (the producer then only saw its
     * pipe close). */
    int rc = 0;
    if (producer_rc && src.eof)
        rc = pe_fail(producer_rc, "%s", w.message);
    else if (cc != CURLE_OK)
        rc = pe_curl_fail(cc, what, errbuf);
    else if (status < 200 || status >= 300)
        rc = pe_http_fail(status, body.data, body.len, what);
    else if (producer_rc)
        rc = pe_fail(producer_rc, "%s", w.message);
    if (!rc) {
        json_t *root = body.len ? json_loadb(body.data, body.len, 0, NULL) : NULL;
        const char *u = json_string_value(json_object_get(root, "uuid"));
        if (!u || !*u)
            rc = pe_fail(POCKETENV_EPROTO, "upload to storage: the answer has no uuid");
        else if (!(*uuid = strdup(u)))
            rc = pe_fail(POCKETENV_ENOMEM, "out of memory");
        json_decref(root);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hdrs);
    curl_mime_free(mime);
    pe_buf_free(&body);
    free(what_buf);
    free(url);
    return rc;
}

/* ---------------------------------------------------------------- download from storage */

typedef struct sink {
    CURL *h;
    int fd;          /* the consumer's pipe */
    int checked, ok; /* status looked at; 2xx */
    pe_buf error_body;
} sink;

static size_t write_pipe(char *data, size_t size, size_t n, void *p)
{
    sink *s = p;
    size_t len = size * n;
    if (!s->checked) {
        long status = 0;
        curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &status);
        s->ok = status >= 200 && status < 300;
        s->checked = 1;
    }
    if (!s->ok) /* an error answer is kept for the message, never fed to the extractor */
        return collect(data, size, n, &s->error_body);
    for (size_t off = 0; off < len;) {
        ssize_t w = write(s->fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return 0; /* the consumer stopped (its error is reported) */
        off += (size_t)w;
    }
    return len;
}

/* GETs /cp/<uuid> and feeds the body to consumer(fd) running in a thread. */
static int storage_download(pocketenv_client *c, CURL *h, const char *uuid, stream_fn consumer, void *arg,
                            const pocketenv_transfer_options *opts)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return pe_fail(POCKETENV_EIO, "cannot create a pipe: %s", strerror(errno));
    worker w;
    if (worker_start(&w, consumer, arg, fds[0])) {
        close(fds[1]);
        return POCKETENV_ERROR;
    }
    char *esc = pe_url_escape(uuid);
    char *url = esc ? pe_strprintf("%s/cp/%s", c->storage_url, esc) : NULL;
    char *what_buf = pe_strprintf("download from storage %s failed", c->storage_url);
    const char *what = what_buf ? what_buf : "download from storage failed";
    char errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *hdrs = NULL;
    progress pr = { opts, 0 };
    sink s = { h, fds[1], 0, 0, { 0 } };
    sigset_t old;
    block_sigpipe(&old);
    setup_storage_request(c, h, url ? url : "", &hdrs, errbuf, &pr);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_pipe);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
    CURLcode cc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    close(fds[1]); /* end of stream for the consumer */
    restore_sigpipe(&old);
    int consumer_rc = worker_join(&w);
    /* Which failure caused the others: an error answer; else a failing consumer (curl then only
     * sees a write error); else the transfer itself (the consumer then sees a truncated stream). */
    int rc = 0;
    if (s.checked && !s.ok)
        rc = pe_http_fail(status, s.error_body.data, s.error_body.len, what);
    else if (consumer_rc && (cc == CURLE_OK || cc == CURLE_WRITE_ERROR))
        rc = pe_fail(consumer_rc, "%s", w.message);
    else if (cc != CURLE_OK)
        rc = pe_curl_fail(cc, what, errbuf);
    else if (status < 200 || status >= 300)
        rc = pe_http_fail(status, NULL, 0, what);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hdrs);
    pe_buf_free(&s.error_body);
    free(what_buf);
    free(url);
    free(esc);
    return rc;
}

/* ---------------------------------------------------------------- XRPC steps */

static int push_directory(pocketenv_client *c, const char *sandbox_id, const char *path, char **uuid)
{
    json_t *body = json_pack("{s:s, s:s}", "sandboxId", sandbox_id, "directoryPath", path);
    int rc = pe_post_string(c, PE_NSID("sandbox.pushDirectory"), NULL, 0, body, PE_AUTH | PE_LONG, "uuid", uuid);
    if (!rc && !*uuid)
        rc = pe_fail(POCKETENV_EPROTO, "pushDirectory: the answer has no uuid");
    return rc;
}

static int pull_directory(pocketenv_client *c, const char *sandbox_id, const char *uuid, const char *path)
{
    json_t *body = json_pack("{s:s, s:s, s:s}", "sandboxId", sandbox_id, "uuid", uuid, "directoryPath", path);
    return pe_post(c, PE_NSID("sandbox.pullDirectory"), NULL, 0, body, PE_AUTH | PE_LONG);
}

/* Splits a remote path into its parent directory and last component ("/" has no base). */
typedef struct remote_path {
    char *dir, *base;
} split_path;

static int split_remote(const char *path, split_path *out)
{
    out->dir = out->base = NULL;
    if (!path || path[0] != '/')
        return pe_fail(POCKETENV_EINVAL, "remote path must be absolute: %s", path ? path : "(null)");
    char *copy = strdup(path);
    if (!copy)
        return pe_fail(POCKETENV_ENOMEM, "out of memory");
    size_t n = strlen(copy);
    while (n > 1 && copy[n - 1] == '/')
        copy[--n] = '\0';
    char *slash = strrchr(copy, '/');
    if (n == 1) {
        out->dir = strdup("/");
    } else {
        out->base = strdup(slash + 1);
        *slash = '\0';
        out->dir = strdup(slash == copy ? "/" : copy);
    }
    free(copy);
    if (!out->dir || (n > 1 && !out->base)) {
        free(out->dir);
        free(out->base);
        return pe_fail(POCKETENV_ENOMEM, "out of memory");
    }
    if (out->base && (!strcmp(out->base, ".") || !strcmp(out->base, ".."))) {
        free(out->dir);
        free(out->base);
        return pe_fail(POCKETENV_EINVAL, "remote path must not end in '.' or '..': %s", path);
    }
    return 0;
}

static void free_remote(split_path *r)
{
    free(r->dir);
    free(r->base);
}

static int check_transfer(pocketenv_client *c, const pocketenv_sandbox *sb, const pocketenv_transfer_options *opts)
{
    int rc = pe_require_sandbox(sb);
    if (rc)
        return rc;
    if (opts && opts->version != POCKETENV_TRANSFER_OPTIONS_VERSION)
        return pe_fail(POCKETENV_EINVAL, "unsupported transfer options version %u", opts->version);
    if (!c || !c->token)
        return pe_fail(POCKETENV_EAUTH, "not logged in (set POCKETENV_TOKEN or run 'pocketenv login')");
    return 0;
}

/* ---------------------------------------------------------------- upload */

typedef struct upload_src {
    const char *local, *entry;
    int no_ignore;
} upload_src;

static int produce_archive(int fd, void *arg)
{
    upload_src *u = arg;
    return pocketenv_archive_create_fd(fd, u->local, u->entry, u->no_ignore);
}

int pocketenv_sandbox_upload(pocketenv_client *c, const pocketenv_sandbox *sb, const char *local_path,
                             const char *remote_path, const pocketenv_transfer_options *opts)
{
    int rc = check_transfer(c, sb, opts);
    struct stat st;
    if (rc)
        return rc;
    if (!local_path || lstat(local_path, &st) != 0)
        return pe_fail(POCKETENV_EIO, "cannot read %s: %s", local_path ? local_path : "(null)", strerror(errno));
    split_path r;
    if ((rc = split_remote(remote_path, &r)) != 0)
        return rc;
    if (!r.base && !S_ISDIR(st.st_mode)) {
        free_remote(&r);
        return pe_fail(POCKETENV_EINVAL, "cannot upload a file onto '/': name the destination file");
    }
    /* The archive's top entry is the destination's own name; the server extracts it into the
     * parent directory, so the result is exactly remote_path (cp semantics). */
    upload_src src = { local_path, r.base, opts ? opts->no_ignore : 0 };
    char *uuid = NULL;
    rc = storage_upload(c, c->curl, produce_archive, &src, opts, &uuid);
    if (!rc)
        rc = pull_directory(c, sb->id, uuid, r.dir);
    free(uuid);
    free_remote(&r);
    return rc;
}

/* ---------------------------------------------------------------- download */

typedef struct extract_dst {
    const char *stage;
    uint64_t max_bytes;
} extract_dst;

static int consume_archive(int fd, void *arg)
{
    extract_dst *d = arg;
    int rc = pe_extract_to_stage(fd, d->stage, d->max_bytes);
    char drain[4096];
    while (rc == 0 && read(fd, drain, sizeof drain) > 0)
        ; /* read trailing padding so the writer never sees a closed pipe on success */
    return rc;
}

/* Places what the stage holds at local: the single top entry becomes local (a file lands inside
 * local when local is an existing directory); several top entries are merged into local. */
static int place_download(const char *stage, const char *local)
{
    char **names = NULL;
    size_t count = 0;
    int rc = pe_list_dir(stage, &names, &count);
    if (!rc && count == 0)
        rc = pe_fail(POCKETENV_ENOTFOUND, "download: the sandbox sent an empty archive (does the path exist?)");
    else if (!rc && count > 1)
        rc = chmod(stage, 0755) ? pe_fail(POCKETENV_EIO, "cannot set permissions: %s", strerror(errno))
                                : pe_merge_into(stage, local);
    else if (!rc) {
        char *src = pe_strprintf("%s/%s", stage, names[0]);
        struct stat s, d;
        int into_dir = src && lstat(src, &s) == 0 && !S_ISDIR(s.st_mode) && stat(local, &d) == 0 && S_ISDIR(d.st_mode);
        char *target = into_dir ? pe_strprintf("%s/%s", local, names[0]) : strdup(local);
        rc = src && target ? pe_merge_into(src, target) : pe_fail(POCKETENV_ENOMEM, "out of memory");
        free(src);
        free(target);
    }
    pe_free_names(names, count);
    return rc;
}

int pocketenv_sandbox_download(pocketenv_client *c, const pocketenv_sandbox *sb, const char *remote_path,
                               const char *local_path, const pocketenv_transfer_options *opts)
{
    int rc = check_transfer(c, sb, opts);
    if (rc)
        return rc;
    if (!local_path || !*local_path)
        return pe_fail(POCKETENV_EINVAL, "local destination is empty");
    split_path r;
    if ((rc = split_remote(remote_path, &r)) != 0)
        return rc;
    char *uuid = NULL, *stage = NULL;
    rc = push_directory(c, sb->id, remote_path, &uuid);
    if (!rc && !(stage = pe_make_stage(local_path)))
        rc = pocketenv_error_last()->code ? pocketenv_error_last()->code : POCKETENV_ENOMEM;
    if (!rc) {
        extract_dst d = { stage, opts ? opts->max_bytes : 0 };
        rc = storage_download(c, c->curl, uuid, consume_archive, &d, opts);
    }
    if (!rc)
        rc = place_download(stage, local_path);
    if (stage)
        pe_rmtree(stage);
    free(stage);
    free(uuid);
    free_remote(&r);
    return rc;
}

/* ---------------------------------------------------------------- copy between sandboxes */

typedef struct relay {
    pocketenv_client *c;
    const char *uuid, *new_top;
    int out_fd;
} relay;

/* Copies archive entries from fd to the relay's output, renaming the top component. */
static int relay_entries(int fd, void *arg)
{
    relay *r = arg;
    struct archive *in = archive_read_new(), *out = archive_write_new();
    char *buf = malloc(64 * 1024);
    int rc = 0;
    if (!in || !out || !buf) {
        rc = pe_fail(POCKETENV_ENOMEM, "out of memory");
        goto done;
    }
    archive_read_support_filter_gzip(in);
    archive_read_support_format_tar(in);
    if (archive_read_open_fd(in, fd, 64 * 1024) != ARCHIVE_OK || archive_write_add_filter_gzip(out) != ARCHIVE_OK ||
        archive_write_set_format_pax_restricted(out) != ARCHIVE_OK || archive_write_open_fd(out, r->out_fd) != ARCHIVE_OK) {
        rc = pe_fail(POCKETENV_EPROTO, "copy: cannot read the source archive: %s", archive_error_string(in));
        goto done;
    }
    struct archive_entry *e;
    int ar;
    while (!rc && (ar = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
        const char *name = archive_entry_pathname(e);
        const char *slash = name ? strchr(name, '/') : NULL;
        char *renamed = pe_strprintf("%s%s", r->new_top, slash ? slash : "");
        if (!renamed) {
            rc = pe_fail(POCKETENV_ENOMEM, "out of memory");
            break;
        }
        archive_entry_set_pathname(e, renamed);
        free(renamed);
        if (archive_write_header(out, e) != ARCHIVE_OK) {
            rc = pe_fail(POCKETENV_EIO, "copy: %s", archive_error_string(out));
            break;
        }
        la_ssize_t n;
        while ((n = archive_read_data(in, buf, 64 * 1024)) > 0)
            if (archive_write_data(out, buf, (size_t)n) != n) {
                rc = pe_fail(POCKETENV_EIO, "copy: %s", archive_error_string(out));
                break;
            }
        if (!rc && n < 0)
            rc = pe_fail(POCKETENV_EPROTO, "copy: corrupt source archive: %s", archive_error_string(in));
    }
    if (!rc && ar != ARCHIVE_EOF)
        rc = pe_fail(POCKETENV_EPROTO, "copy: corrupt source archive: %s", archive_error_string(in));
    if (!rc && archive_write_close(out) != ARCHIVE_OK)
        rc = pe_fail(POCKETENV_EIO, "copy: %s", archive_error_string(out));
done:
    if (in)
        archive_read_free(in);
    if (out)
        archive_write_free(out);
    free(buf);
    return rc;
}

/* Producer for the upload side: downloads the source blob on its own connection and relays it. */
static int produce_relay(int fd, void *arg)
{
    relay *r = arg;
    CURL *h = curl_easy_init();
    if (!h)
        return pe_fail(POCKETENV_ENOMEM, "out of memory");
    r->out_fd = fd;
    int rc = storage_download(r->c, h, r->uuid, relay_entries, r, NULL);
    curl_easy_cleanup(h);
    return rc;
}

int pocketenv_sandbox_copy_to(pocketenv_client *c, const pocketenv_sandbox *sb, const pocketenv_sandbox *other,
                              const char *src_path, const char *dest_path, const pocketenv_transfer_options *opts)
{
    int rc = check_transfer(c, sb, opts);
    if (rc || (rc = pe_require_sandbox(other)) != 0)
        return rc;
    split_path src, dst;
    if ((rc = split_remote(src_path, &src)) != 0)
        return rc;
    if ((rc = split_remote(dest_path, &dst)) != 0) {
        free_remote(&src);
        return rc;
    }
    char *uuid = NULL, *uuid2 = NULL;
    if (!src.base || !dst.base)
        rc = pe_fail(POCKETENV_EINVAL, "copy: '/' cannot be copied or replaced; name a directory");
    if (!rc)
        rc = push_directory(c, sb->id, src_path, &uuid);
    if (!rc && strcmp(src.base, dst.base) != 0) {
        /* The pushed archive's top entry is the source's name; rename it on the way through so
         * that it lands exactly at dest_path. */
        relay r = { c, uuid, dst.base, -1 }; /* progress is reported by the upload side */
        rc = storage_upload(c, c->curl, produce_relay, &r, opts, &uuid2);
    }
    if (!rc)
        rc = pull_directory(c, other->id, uuid2 ? uuid2 : uuid, dst.dir);
    free(uuid);
    free(uuid2);
    free_remote(&src);
    free_remote(&dst);
    return rc;
}
