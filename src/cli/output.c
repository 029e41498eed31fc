/* Output conventions: data on stdout, messages and errors on stderr; colour only on a terminal
 * and never with NO_COLOR; --json prints the wire's field names. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static const struct {
    const char *name, *seq;
} PALETTE[] = {
    { "primary", "\033[38;2;0;232;198m" }, { "highlight", "\033[38;2;100;232;130m" },
    { "error", "\033[38;2;255;100;100m" },  { "muted", "\033[38;2;200;210;220m" },
    { "link", "\033[38;2;255;160;100m" },  { "reset", "\033[0m" },
};

void out_init(cli *c)
{
    const char *force = getenv("POCKETENV_FORCE_TTY"); /* lets tests see terminal output */
    c->tty_out = isatty(1) || (force && *force);
    c->tty_err = isatty(2) || (force && *force);
    const char *nc = getenv("NO_COLOR");
    c->color = c->tty_out && !(nc && *nc) && !(getenv("TERM") && !strcmp(getenv("TERM"), "dumb"));
}

const char *out_color(cli *c, const char *name)
{
    if (!c->color || !name)
        return "";
    for (size_t i = 0; i < sizeof PALETTE / sizeof *PALETTE; i++)
        if (!strcmp(PALETTE[i].name, name))
            return PALETTE[i].seq;
    return "";
}

int out_fail(int rc)
{
    const pocketenv_error *e = pocketenv_error_last();
    fprintf(stderr, "pocketenv: error: %s\n", e->message && *e->message ? e->message : pocketenv_strerror(rc));
    switch (rc) {
    case POCKETENV_EAUTH: return EXIT_AUTH;
    case POCKETENV_ENOTFOUND: return EXIT_NOT_FOUND;
    case POCKETENV_EHTTP:
    case POCKETENV_EPROTO:
    case POCKETENV_ECONFLICT: return EXIT_SERVER;
    case POCKETENV_ENET:
    case POCKETENV_ETIMEOUT: return EXIT_NETWORK;
    case POCKETENV_EIO:
    case POCKETENV_EUNSAFE: return EXIT_LOCAL;
    case POCKETENV_EINVAL: return EXIT_USAGE;
    case POCKETENV_ECANCELED: return EXIT_INTERRUPTED;
    default: return EXIT_ERROR;
    }
}

int out_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("pocketenv: usage: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return EXIT_USAGE;
}

__attribute__((format(printf, 4, 0)))
static void message(cli *c, const char *mark, const char *color, const char *fmt, va_list ap)
{
    if (c->json)
        return; /* scripts read stdout; messages would only be noise */
    fprintf(stderr, "%s%s%s ", c->tty_err ? out_color(c, color) : "", mark, c->tty_err ? out_color(c, "reset") : "");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void out_success(cli *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    message(c, "✔", "highlight", fmt, ap);
    va_end(ap);
}

void out_info(cli *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    message(c, "ℹ", "primary", fmt, ap);
    va_end(ap);
}

char *out_relative_time(const char *iso, bool up)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!iso || !strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm))
        return strdup("-");
    long d = (long)difftime(time(NULL), timegm(&tm));
    bool future = d < 0;
    if (future)
        d = -d;
    static const struct {
        long secs;
        const char *unit;
    } units[] = { { 31536000, "year" }, { 2592000, "month" }, { 86400, "day" }, { 3600, "hour" }, { 60, "minute" } };
    const char *unit = "second";
    long n = d;
    for (size_t i = 0; i < sizeof units / sizeof *units; i++)
        if (d >= units[i].secs) {
            n = d / units[i].secs;
            unit = units[i].unit;
            break;
        }
    if (!strcmp(unit, "second") && n < 10)
        return strdup(up ? "Up a few seconds" : (future ? "in a few seconds" : "just now"));
    if (up)
        return pe_strprintf("Up %ld %s%s", n, unit, n == 1 ? "" : "s");
    return future ? pe_strprintf("in %ld %s%s", n, unit, n == 1 ? "" : "s")
                  : pe_strprintf("%ld %s%s ago", n, unit, n == 1 ? "" : "s");
}

void out_json(json_t *v)
{
    char *s = json_dumps(v, JSON_INDENT(2) | JSON_ENCODE_ANY);
    if (s)
        printf("%s\n", s);
    free(s);
    json_decref(v);
}

void table_init(table *t, size_t ncols, const char **headers)
{
    memset(t, 0, sizeof *t);
    t->ncols = ncols;
    t->headers = headers;
}

void table_add(table *t, const char *const *cells, const char *const *colors)
{
    char **nc = realloc(t->cells, (t->nrows + 1) * t->ncols * sizeof *nc);
    const char **ncol = realloc(t->colors, (t->nrows + 1) * t->ncols * sizeof *ncol);
    if (nc)
        t->cells = nc;
    if (ncol)
        t->colors = ncol;
    if (!nc || !ncol)
        return;
    for (size_t i = 0; i < t->ncols; i++) {
        t->cells[t->nrows * t->ncols + i] = strdup(cells[i] && *cells[i] ? cells[i] : "-");
        t->colors[t->nrows * t->ncols + i] = colors ? colors[i] : NULL;
    }
    t->nrows++;
}

/* Display width of UTF-8 text (code points; good enough for the characters we print). */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

void table_print(cli *c, table *t)
{
    size_t *w = calloc(t->ncols, sizeof *w);
    if (!w)
        return;
    for (size_t i = 0; i < t->ncols; i++)
        w[i] = width(t->headers[i]);
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t i = 0; i < t->ncols; i++)
            if (width(t->cells[r * t->ncols + i]) > w[i])
                w[i] = width(t->cells[r * t->ncols + i]);
    for (size_t i = 0; i < t->ncols; i++)
        printf("%s%s%s%*s", out_color(c, "primary"), t->headers[i], out_color(c, "reset"),
               i + 1 < t->ncols ? (int)(w[i] - width(t->headers[i]) + 2) : 0, "");
    putchar('\n');
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t i = 0; i < t->ncols; i++) {
            const char *cell = t->cells[r * t->ncols + i];
            const char *col = t->colors[r * t->ncols + i];
            printf("%s%s%s%*s", out_color(c, col), cell, col ? out_color(c, "reset") : "",
                   i + 1 < t->ncols ? (int)(w[i] - width(cell) + 2) : 0, "");
        }
        putchar('\n');
    }
    free(w);
}

void table_free(table *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t->colors);
    memset(t, 0, sizeof *t);
}
