/*
 * HTTP front end: libmicrohttpd with a thread per connection (exec holds a request open for the
 * whole command), keep-alive, the XRPC framework's rules (verb, auth, params, body, content type)
 * in the real server's order, JSON error envelopes, and the /cp storage routes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "server.h"

#define JSON_LIMIT (100 * 1024)

static struct MHD_Daemon *daemon_handle;

typedef struct req_ctx {
    pe_buf body;
    bool too_large;
    /* POST /cp */
    struct MHD_PostProcessor *pp;
    int blob_fd;
    char *blob_tmp;
    bool got_file, write_failed;
    int write_errno;
} req_ctx;

/* ---------------------------------------------------------------- responses */

int srv_json(srv_resp *resp, int status, json_t *body)
{
    resp->status = status;
    resp->body = body ? json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    resp->content_type = "application/json; charset=utf-8";
    json_decref(body);
    return 0;
}

int srv_empty(srv_resp *resp)
{
    resp->status = 200;
    resp->body = NULL;
    return 0;
}

int srv_error(srv_resp *resp, int status, const char *name, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return srv_json(resp, status, json_pack("{s:s, s:s}", "error", name, "message", msg));
}

const char *srv_param(srv_req *r, const char *key)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

static const char *header(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* ---------------------------------------------------------------- rate limiting */

typedef struct rate_slot {
    char addr[64];
    time_t window;
    int count;
} rate_slot;
static rate_slot rate_slots[256];
static pthread_mutex_t rate_lock = PTHREAD_MUTEX_INITIALIZER;

/* Returns 0 when allowed, otherwise the seconds until the window resets. */
static long rate_check(const char *addr)
{
    if (g_cfg.rate_limit <= 0)
        return 0;
    unsigned h = 5381;
    for (const char *p = addr; *p; p++)
        h = h * 33 + (unsigned char)*p;
    time_t now = time(NULL);
    long wait = 0;
    pthread_mutex_lock(&rate_lock);
    rate_slot *s = &rate_slots[h % 256];
    if (strcmp(s->addr, addr) != 0 || now - s->window >= g_cfg.rate_window_s) {
        snprintf(s->addr, sizeof s->addr, "%s", addr);
        s->window = now;
        s->count = 0;
    }
    if (++s->count > g_cfg.rate_limit)
        wait = g_cfg.rate_window_s - (now - s->window);
    pthread_mutex_unlock(&rate_lock);
    return wait > 0 ? wait : (wait < 0 ? 1 : 0);
}

/* ---------------------------------------------------------------- routing */

static const srv_route *find_route(const char *nsid)
{
    const srv_route *tables[] = { srv_sandbox_routes, srv_resource_routes };
    const size_t counts[] = { srv_sandbox_routes_count, srv_resource_routes_count };
    for (size_t t = 0; t < 2; t++)
        for (size_t i = 0; i < counts[t]; i++)
            if (!strcmp(tables[t][i].nsid, nsid))
                return &tables[t][i];
    return NULL;
}

/* Resolves the caller from "Authorization: <scheme> <token>". Returns -1 for a bad token. */
static int authenticate(srv_req *r, srv_user *u)
{
    const char *h = header(r->conn, "Authorization");
    memset(u, 0, sizeof *u);
    if (!h)
        return 0;
    const char *sp = strchr(h, ' ');
    const char *token = sp ? sp + 1 : "";
    while (*token == ' ')
        token++;
    if (!*token || !strcmp(token, "null"))
        return 0;
    if (!srv_user_by_token(token, u))
        return -1;
    r->user = u;
    return 1;
}

static bool is_json_type(const char *ct)
{
    if (!ct)
        return false;
    size_t n = strcspn(ct, ";");
    while (n && ct[n - 1] == ' ')
        n--;
    return n == 16 && !strncasecmp(ct, "application/json", 16);
}

static int check_body(srv_req *r, const srv_route *rt, req_ctx *ctx, srv_resp *resp)
{
    const char *cl = header(r->conn, "Content-Length");
    const char *te = header(r->conn, "Transfer-Encoding");
    bool has_body = (cl && strtoll(cl, NULL, 10) > 0) || te;
    if (!rt->has_input) {
        if (has_body)
            return srv_error(resp, 400, "InvalidRequest", "A request body was provided when none was expected");
        return 0;
    }
    if (!cl && !te)
        return srv_error(resp, 400, "InvalidRequest", "A request body is expected but none was provided");
    if (!r->content_type)
        return srv_error(resp, 400, "InvalidRequest", "Request encoding (Content-Type) required but not provided");
    if (!is_json_type(r->content_type))
        return srv_error(resp, 400, "InvalidRequest", "Wrong request encoding (Content-Type): %s", r->content_type);
    if (ctx->too_large)
        return srv_error(resp, 413, "PayloadTooLargeError", "request entity too large");
    if (ctx->body.len == 0) {
        r->input = json_object();
        return 0;
    }
    json_error_t err;
    r->input = json_loadb(ctx->body.data, ctx->body.len, 0, &err);
    if (!r->input)
        return srv_error(resp, 400, "SyntaxError", "%s", err.text);
    if (!json_is_object(r->input))
        return srv_error(resp, 400, "InvalidRequest", "Input must be an object");
    return 0;
}

static void handle_xrpc(srv_req *r, req_ctx *ctx, srv_resp *resp)
{
    srv_user user;
    memset(&user, 0, sizeof user);
    const srv_route *rt = find_route(r->nsid);
    bool post = !strcmp(r->method, "POST");
    long wait = rate_check(r->client_addr);
    if (wait) {
        srv_json(resp, 429, json_pack("{s:s}", "error", "Too many requests, please try again later."));
        resp->extra_header_name = strdup("Retry-After");
        resp->extra_header_value = pe_strprintf("%ld", wait);
        return;
    }
    if (!rt) {
        srv_error(resp, 501, "MethodNotImplemented", "Method Not Implemented");
        return;
    }
    if (__atomic_load_n(&g_cfg.inject_503, __ATOMIC_SEQ_CST) > 0 &&
        __atomic_sub_fetch(&g_cfg.inject_503, 1, __ATOMIC_SEQ_CST) >= 0) {
        srv_error(resp, 503, "NotEnoughResources", "injected failure (--inject-503)");
        return;
    }
    if (post != (rt->is_procedure != 0)) {
        srv_error(resp, 400, "InvalidRequest", "Incorrect HTTP method (%s) expected %s", r->method,
                  rt->is_procedure ? "POST" : "GET");
        return;
    }
    int a = authenticate(r, &user);
    if (a < 0) {
        srv_error(resp, 401, "AuthenticationRequired", "Invalid or unknown token");
    } else if (rt->auth && !r->user) {
        srv_error(resp, 401, "AuthenticationRequired", "Unauthorized");
    } else {
        for (int i = 0; i < 3 && rt->required[i]; i++) {
            const char *v = srv_param(r, rt->required[i]);
            if (!v || !*v) {
                srv_error(resp, 400, "InvalidRequest", "Params must have the property \"%s\"", rt->required[i]);
                break;
            }
        }
        if (!resp->status && !check_body(r, rt, ctx, resp) && !resp->status)
            rt->fn(r, resp);
    }
    srv_user_free(&user);
}

/* ---------------------------------------------------------------- storage routes */

static enum MHD_Result blob_iterator(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
                         const char *content_type, const char *transfer_encoding, const char *data, uint64_t off,
                         size_t size)
{
    (void)kind;
    (void)filename;
    (void)content_type;
    (void)transfer_encoding;
    (void)off;
    req_ctx *ctx = cls;
    if (!key || strcmp(key, "file") != 0)
        return MHD_YES;
    ctx->got_file = true;
    for (size_t done = 0; done < size && !ctx->write_failed;) {
        ssize_t w = write(ctx->blob_fd, data + done, size - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            ctx->write_failed = true;
            ctx->write_errno = errno;
        } else {
            done += (size_t)w;
        }
    }
    return ctx->write_failed ? MHD_NO : MHD_YES;
}

static bool valid_uuid(const char *u)
{
    size_t n = u ? strlen(u) : 0;
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((u[i] >= '0' && u[i] <= '9') || (u[i] >= 'a' && u[i] <= 'z') || (u[i] >= 'A' && u[i] <= 'Z') || u[i] == '-'))
            return false;
    return true;
}

static void storage_unauthorized(srv_resp *resp)
{
    srv_json(resp, 401, json_pack("{s:s}", "error", "Unauthorized"));
}

static void handle_upload(srv_req *r, req_ctx *ctx, srv_resp *resp)
{
    srv_user user;
    if (authenticate(r, &user) <= 0) {
        srv_user_free(&user);
        storage_unauthorized(resp);
        return;
    }
    if (ctx->write_failed) {
        srv_error(resp, 507, "InsufficientStorage", "cannot store the upload: %s", strerror(ctx->write_errno));
    } else if (!ctx->pp || !ctx->got_file) {
        srv_json(resp, 400, json_pack("{s:s}", "error", "No file uploaded"));
    } else {
        const char *want = srv_param(r, "uuid");
        char *uuid = want ? strdup(want) : srv_uuid4();
        char *final = uuid && valid_uuid(uuid) ? srv_blob_path(uuid) : NULL;
        if (!final) {
            srv_json(resp, 400, json_pack("{s:s}", "error", "Invalid uuid"));
        } else if (fsync(ctx->blob_fd) != 0 || srv_blob_register(uuid, user.did) != 0) {
            srv_json(resp, 409, json_pack("{s:s}", "error", "That uuid is in use"));
        } else if (rename(ctx->blob_tmp, final) != 0) {
            srv_error(resp, 500, "InternalServerError", "cannot store the upload: %s", strerror(errno));
        } else {
            free(ctx->blob_tmp);
            ctx->blob_tmp = NULL;
            srv_json(resp, 200, json_pack("{s:s}", "uuid", uuid));
        }
        free(final);
        free(uuid);
    }
    srv_user_free(&user);
}

static void handle_download(srv_req *r, srv_resp *resp)
{
    srv_user user;
    const char *uuid = r->path + 4;
    int fd = -1;
    uint64_t size = 0;
    if (authenticate(r, &user) <= 0) {
        storage_unauthorized(resp);
    } else if (!valid_uuid(uuid) || srv_blob_claim(uuid, user.did, &fd, &size) != 0) {
        srv_json(resp, 404, json_pack("{s:s}", "error", "File not found"));
    } else {
        resp->status = 200;
        resp->file_fd = fd;
        resp->file_size = size;
        resp->content_type = "application/gzip";
        resp->extra_header_name = strdup("Content-Disposition");
        resp->extra_header_value = pe_strprintf("attachment; filename=\"%s.tar.gz\"", uuid);
    }
    srv_user_free(&user);
}

/* ---------------------------------------------------------------- MHD glue */

static enum MHD_Result send_response(struct MHD_Connection *conn, srv_resp *resp)
{
    struct MHD_Response *mr;
    if (resp->file_fd >= 0)
        mr = MHD_create_response_from_fd64(resp->file_size, resp->file_fd);
    else
        mr = MHD_create_response_from_buffer(resp->body ? strlen(resp->body) : 0, resp->body ? resp->body : (void *)"",
                                             resp->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!mr) {
        free(resp->body);
        return MHD_NO;
    }
    resp->body = NULL; /* owned by the response now */
    if (resp->content_type)
        MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
    if (resp->extra_header_name && resp->extra_header_value)
        MHD_add_response_header(mr, resp->extra_header_name, resp->extra_header_value);
    MHD_add_response_header(mr, "Access-Control-Allow-Origin", "*");
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)resp->status, mr);
    MHD_destroy_response(mr);
    return ret;
}

static void client_address(struct MHD_Connection *conn, char *out, size_t n)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, n, "unknown");
    if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, out, (socklen_t)n);
    else if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, out, (socklen_t)n);
}

static req_ctx *new_ctx(struct MHD_Connection *conn, const char *url, const char *method)
{
    req_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    ctx->blob_fd = -1;
    if (!strcmp(method, "POST") && !strcmp(url, "/cp")) {
        char *uuid = srv_uuid4();
        ctx->blob_tmp = uuid ? pe_strprintf("%s/blobs/.upload-%s", g_cfg.state_dir, uuid) : NULL;
        free(uuid);
        if (ctx->blob_tmp)
            ctx->blob_fd = open(ctx->blob_tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (ctx->blob_fd >= 0)
            ctx->pp = MHD_create_post_processor(conn, 64 * 1024, blob_iterator, ctx);
    }
    return ctx;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
    (void)cls;
    (void)version;
    req_ctx *ctx = *con_cls;
    if (!ctx) {
        /* Queueing a response on the first call makes MHD close the connection: wait for the
         * second call, after any body. */
        *con_cls = ctx = new_ctx(conn, url, method);
        return ctx ? MHD_YES : MHD_NO;
    }
    if (*upload_size) {
        if (ctx->pp) {
            /* A malformed multipart body simply yields no "file" part: "No file uploaded". */
            MHD_post_process(ctx->pp, upload_data, *upload_size);
        } else if (!ctx->too_large && ctx->body.len + *upload_size <= JSON_LIMIT) {
            if (pe_buf_append(&ctx->body, upload_data, *upload_size))
                ctx->too_large = true;
        } else {
            ctx->too_large = true;
        }
        *upload_size = 0;
        return MHD_YES;
    }

    srv_req r;
    memset(&r, 0, sizeof r);
    r.method = method;
    r.path = url;
    r.conn = conn;
    r.content_type = header(conn, "Content-Type");
    client_address(conn, r.client_addr, sizeof r.client_addr);
    srv_resp resp;
    memset(&resp, 0, sizeof resp);
    resp.file_fd = -1;

    if (!strncmp(url, "/xrpc/", 6)) {
        r.nsid = url + 6;
        handle_xrpc(&r, ctx, &resp);
    } else if (!strcmp(url, "/cp") && !strcmp(method, "POST")) {
        handle_upload(&r, ctx, &resp);
    } else if (!strncmp(url, "/cp/", 4) && !strcmp(method, "GET")) {
        handle_download(&r, &resp);
    } else if (!strcmp(url, "/") && !strcmp(method, "GET")) {
        resp.status = 200;
        resp.body = pe_strprintf("pocketenvd %s: a local Pocketenv server\n", POCKETENV_VERSION);
        resp.content_type = "text/plain; charset=utf-8";
    } else {
        srv_error(&resp, 404, "NotFound", "Cannot %s %s", method, url);
    }
    json_decref(r.input);
    enum MHD_Result ret = send_response(conn, &resp);
    free(resp.body);
    free(resp.extra_header_name);
    free(resp.extra_header_value);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    req_ctx *ctx = *con_cls;
    if (!ctx)
        return;
    if (ctx->pp)
        MHD_destroy_post_processor(ctx->pp);
    if (ctx->blob_fd >= 0)
        close(ctx->blob_fd);
    if (ctx->blob_tmp) /* an upload that did not complete leaves nothing behind */
        unlink(ctx->blob_tmp);
    free(ctx->blob_tmp);
    pe_buf_free(&ctx->body);
    free(ctx);
    *con_cls = NULL;
}

int srv_http_start(void)
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)g_cfg.port);
    if (inet_pton(AF_INET, g_cfg.bind_addr, &addr.sin_addr) != 1) {
        srv_log("invalid bind address %s (an IPv4 address is expected)", g_cfg.bind_addr);
        return -1;
    }
    daemon_handle = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
                                     (uint16_t)g_cfg.port, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, &addr,
                                     MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
                                     (unsigned)600, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, MHD_OPTION_END);
    if (!daemon_handle) {
        srv_log("cannot listen on %s:%d: %s", g_cfg.bind_addr, g_cfg.port, strerror(errno));
        return -1;
    }
    if (g_cfg.port == 0) {
        const union MHD_DaemonInfo *di = MHD_get_daemon_info(daemon_handle, MHD_DAEMON_INFO_BIND_PORT);
        g_cfg.port = di ? di->port : 0;
    }
    return 0;
}

void srv_http_stop(void)
{
    if (daemon_handle)
        MHD_stop_daemon(daemon_handle);
    daemon_handle = NULL;
}
