/* Thread-local error detail (see common.h). Fixed buffers: nothing to free at thread exit. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

typedef struct pe_error_tls {
    pocketenv_error pub;
    char message[1024];
    char remote[128];
} pe_error_tls;

static _Thread_local pe_error_tls tls_error = {{0, 0, "", ""}, "", ""};

__attribute__((format(printf, 4, 0)))
static void set_error(int code, long status, const char *remote, const char *fmt, va_list ap)
{
    tls_error.pub.code = code;
    tls_error.pub.http_status = status;
    snprintf(tls_error.remote, sizeof tls_error.remote, "%s", remote ? remote : "");
    vsnprintf(tls_error.message, sizeof tls_error.message, fmt, ap);
    tls_error.pub.remote_error = tls_error.remote;
    tls_error.pub.message = tls_error.message;
}

int pe_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_error(code, 0, NULL, fmt, ap);
    va_end(ap);
    return code;
}

int pe_fail_http(int code, long status, const char *remote, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    set_error(code, status, remote, fmt, ap);
    va_end(ap);
    return code;
}

int pe_error_prefix(const char *what)
{
    /* Truncation is acceptable here: the message stays NUL-terminated and readable. */
    char old[sizeof tls_error.message];
    memcpy(old, tls_error.message, sizeof old);
    size_t n = strlen(what);
    if (n > sizeof tls_error.message / 2)
        n = sizeof tls_error.message / 2;
    memcpy(tls_error.message, what, n);
    memcpy(tls_error.message + n, ": ", 2);
    size_t room = sizeof tls_error.message - n - 3;
    size_t oldlen = strnlen(old, room);
    memcpy(tls_error.message + n + 2, old, oldlen);
    tls_error.message[n + 2 + oldlen] = '\0';
    return tls_error.pub.code;
}

void pe_clear_error(void)
{
    tls_error.pub.code = 0;
    tls_error.pub.http_status = 0;
    tls_error.remote[0] = '\0';
    tls_error.message[0] = '\0';
    tls_error.pub.remote_error = tls_error.remote;
    tls_error.pub.message = tls_error.message;
}

const pocketenv_error *pocketenv_error_last(void)
{
    tls_error.pub.remote_error = tls_error.remote;
    tls_error.pub.message = tls_error.message;
    return &tls_error.pub;
}

const char *pocketenv_strerror(int code)
{
    switch (code) {
    case POCKETENV_OK: return "success";
    case POCKETENV_ENOTFOUND: return "not found";
    case POCKETENV_EAUTH: return "not logged in or not authorized";
    case POCKETENV_EHTTP: return "server error";
    case POCKETENV_ENET: return "transport failure";
    case POCKETENV_ETIMEOUT: return "timed out";
    case POCKETENV_EPROTO: return "unexpected answer from the server";
    case POCKETENV_EINVAL: return "invalid argument";
    case POCKETENV_ECONFLICT: return "already exists";
    case POCKETENV_EIO: return "local file error";
    case POCKETENV_EUNSAFE: return "unsafe archive refused";
    case POCKETENV_ENOMEM: return "out of memory";
    case POCKETENV_ECANCELED: return "canceled";
    default: return "error";
    }
}

int pocketenv_version_number(void) { return POCKETENV_VERSION_NUMBER; }
const char *pocketenv_version(void) { return POCKETENV_VERSION; }

int pe_require_sandbox(const pocketenv_sandbox *sb)
{
    if (!sb)
        return pe_fail(POCKETENV_EINVAL, "no sandbox (an earlier step failed)");
    if (!sb->id || !*sb->id)
        return pe_fail(POCKETENV_EINVAL, "sandbox has no id");
    return POCKETENV_OK;
}
