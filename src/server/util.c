/* Identifiers, times, names and small file-system helpers for pocketenvd. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sodium.h>

#include "server.h"

char *srv_new_id(const char *prefix)
{
    static const char b32hex[] = "0123456789abcdefghijklmnopqrstuv";
    char id[21];
    for (int i = 0; i < 20; i++)
        id[i] = b32hex[randombytes_uniform(32)];
    id[20] = '\0';
    return pe_strprintf("%s%s", prefix, id);
}

char *srv_sandbox_id(void)
{
    static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    char id[23];
    for (int i = 0; i < 22; i++) /* 22 base62 digits carry 128 bits */
        id[i] = b62[randombytes_uniform(62)];
    id[22] = '\0';
    return pe_strprintf("sbx_%s", id);
}

static char *iso_at(struct timespec ts)
{
    struct tm tm;
    char buf[40];
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, sizeof buf - n, ".%03ldZ", ts.tv_nsec / 1000000L);
    return strdup(buf);
}

char *srv_now_iso(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return iso_at(ts);
}

char *srv_iso_after(long seconds)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += seconds;
    return iso_at(ts);
}

char *srv_random_name(void)
{
    static const char *adj[] = { "brave", "calm", "eager", "fancy", "gentle", "happy", "jolly", "kind",
                                 "lively", "merry", "nimble", "proud", "quiet", "swift", "witty", "zesty" };
    static const char *noun[] = { "otter", "falcon", "maple", "river", "comet", "harbor", "meadow", "pebble",
                                  "lantern", "summit", "willow", "ember", "canyon", "breeze", "orchid", "glacier" };
    static const char b36[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    char suffix[5];
    for (int i = 0; i < 4; i++)
        suffix[i] = b36[randombytes_uniform(36)];
    suffix[4] = '\0';
    return pe_strprintf("%s-%s-%s", adj[randombytes_uniform(16)], noun[randombytes_uniform(16)], suffix);
}

char *srv_uuid4(void)
{
    unsigned char b[16];
    randombytes_buf(b, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    return pe_strprintf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3],
                        b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

int srv_mkdirs(const char *path, mode_t mode)
{
    char *p = strdup(path);
    if (!p)
        return -1;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, mode) != 0 && errno != EEXIST) {
            free(p);
            return -1;
        }
        *s = '/';
    }
    int rc = mkdir(p, mode) != 0 && errno != EEXIST ? -1 : 0;
    free(p);
    return rc;
}

void srv_log(const char *fmt, ...)
{
    char *t = srv_now_iso();
    va_list ap;
    va_start(ap, fmt);
    flockfile(stderr);
    fprintf(stderr, "%s pocketenvd: ", t ? t : "");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    funlockfile(stderr);
    va_end(ap);
    free(t);
}

bool srv_valid_name(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.'))
            return false;
    }
    return true;
}
