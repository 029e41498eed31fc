/* Growable buffers and small string helpers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include <curl/curl.h>

#include "internal.h"

static int buf_reserve(pe_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p)
        return pe_fail(POCKETENV_ENOMEM, "out of memory growing a buffer to %zu bytes", cap);
    b->data = p;
    b->cap = cap;
    return 0;
}

int pe_buf_append(pe_buf *b, const void *data, size_t len)
{
    if (buf_reserve(b, len))
        return POCKETENV_ENOMEM;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int pe_buf_puts(pe_buf *b, const char *s) { return pe_buf_append(b, s, strlen(s)); }

int pe_buf_printf(pe_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return pe_fail(POCKETENV_ERROR, "formatting failed");
    if (buf_reserve(b, (size_t)n))
        return POCKETENV_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

void pe_buf_free(pe_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

char *pe_strdup(const char *s) { return s ? strdup(s) : NULL; }

char *pe_strprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *out = NULL;
    if (vasprintf(&out, fmt, ap) < 0)
        out = NULL;
    va_end(ap);
    return out;
}

int pe_hex_decode(const char *hex, unsigned char *out, size_t outlen)
{
    if (!hex || strlen(hex) != outlen * 2)
        return -1;
    for (size_t i = 0; i < outlen; i++) {
        unsigned v = 0;
        for (int k = 0; k < 2; k++) {
            char ch = hex[2 * i + k];
            v <<= 4;
            if (ch >= '0' && ch <= '9') v |= (unsigned)(ch - '0');
            else if (ch >= 'a' && ch <= 'f') v |= (unsigned)(ch - 'a' + 10);
            else if (ch >= 'A' && ch <= 'F') v |= (unsigned)(ch - 'A' + 10);
            else return -1;
        }
        out[i] = (unsigned char)v;
    }
    return 0;
}

void pe_hex_encode(const unsigned char *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = '\0';
}

char *pe_url_escape(const char *s)
{
    char *e = curl_easy_escape(NULL, s, 0);
    if (!e)
        return NULL;
    char *copy = strdup(e);
    curl_free(e);
    return copy;
}

char *pe_home_path(const char *rel)
{
    const char *home = getenv("HOME");
    if (!home || !*home)
        return NULL;
    return pe_strprintf("%s/%s", home, rel);
}

char *pe_sibling_executable(const char *env_var, const char *name)
{
    const char *env = env_var ? getenv(env_var) : NULL;
    if (env && *env)
        return strdup(env);
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return NULL;
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = '\0';
    char *path = pe_strprintf("%s/%s", self, name);
    if (path && access(path, X_OK) != 0) {
        free(path);
        path = NULL;
    }
    return path;
}

char *pe_default_state_dir(void)
{
    if (geteuid() == 0)
        return strdup("/var/lib/pocketenvd");
    const char *xdg = getenv("XDG_STATE_HOME");
    if (xdg && *xdg)
        return pe_strprintf("%s/pocketenvd", xdg);
    return pe_home_path(".local/state/pocketenvd");
}
