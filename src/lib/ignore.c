/*
 * gitignore semantics for uploads: each ignore file scopes its patterns to its own directory;
 * "!" re-includes; a trailing "/" matches directories only; a pattern with a "/" before its end
 * is anchored to the ignore file's directory, otherwise it matches a name at any depth; "**"
 * crosses directories. The last matching rule wins (parents' rules come first because the
 * walker reads ignore files top-down), and an ignored directory is not descended into, so
 * nothing inside it can be re-included (as in git).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct rule {
    char *dir;      /* scope: "" for the root, else "a/b" */
    char *pattern;  /* without "!", leading "/" and trailing "/" */
    int negate, dir_only, anchored;
} rule;

struct pe_ignore {
    rule *rules;
    size_t count, cap;
};

/* Budget-limited matcher: pathological patterns cannot take exponential time. */
static int match(const char *p, const char *s, int *budget);

static int class_match(const char **pp, char c)
{
    const char *p = *pp + 1;
    int negate = (*p == '!' || *p == '^');
    if (negate)
        p++;
    int hit = 0;
    const char *start = p;
    while (*p && (*p != ']' || p == start)) {
        char lo = *p, hi = lo;
        if (p[1] == '-' && p[2] && p[2] != ']') {
            hi = p[2];
            p += 3;
        } else {
            p++;
        }
        if (c >= lo && c <= hi)
            hit = 1;
    }
    if (*p != ']')
        return -1; /* no closing bracket: '[' is literal */
    *pp = p + 1;
    return hit != negate;
}

static int match(const char *p, const char *s, int *budget)
{
    while (--*budget > 0) {
        if (!*p)
            return !*s;
        if (p[0] == '*' && p[1] == '*' && (p[2] == '/' || !p[2])) {
            const char *rest = p[2] ? p + 3 : p + 2;
            if (!p[2])
                return 1; /* trailing "**": everything below */
            if (match(rest, s, budget))
                return 1;
            for (const char *q = s; *q; q++)
                if (*q == '/' && match(rest, q + 1, budget))
                    return 1;
            return 0;
        }
        if (*p == '*') {
            while (*p == '*')
                p++;
            for (const char *q = s;; q++) {
                if (match(p, q, budget))
                    return 1;
                if (!*q || *q == '/')
                    return 0;
            }
        }
        if (!*s)
            return 0;
        if (*p == '?') {
            if (*s == '/')
                return 0;
        } else if (*p == '[') {
            const char *q = p;
            int r = class_match(&q, *s);
            if (r >= 0) {
                if (!r || *s == '/')
                    return 0;
                p = q;
                s++;
                continue;
            }
            if (*s != '[')
                return 0;
        } else {
            if (*p == '\\' && p[1])
                p++;
            if (*p != *s)
                return 0;
        }
        p++;
        s++;
    }
    return 0;
}

int pocketenv_glob_match(const char *pattern, const char *path)
{
    int budget = 100000;
    if (!pattern || !path)
        return 0;
    int anchored = strchr(pattern, '/') != NULL; /* decided before the leading '/' goes */
    while (*pattern == '/')
        pattern++;
    if (anchored)
        return match(pattern, path, &budget) == 1;
    const char *base = strrchr(path, '/');
    return match(pattern, base ? base + 1 : path, &budget) == 1;
}

pe_ignore *pe_ignore_new(void) { return calloc(1, sizeof(pe_ignore)); }

void pe_ignore_free(pe_ignore *ig)
{
    if (!ig)
        return;
    for (size_t i = 0; i < ig->count; i++) {
        free(ig->rules[i].dir);
        free(ig->rules[i].pattern);
    }
    free(ig->rules);
    free(ig);
}

static int add_rule(pe_ignore *ig, const char *dir, const char *line, size_t len)
{
    rule r = { 0 };
    while (len && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
        len--; /* trailing spaces are not significant in gitignore */
    if (!len || line[0] == '#')
        return 0;
    if (line[0] == '!') {
        r.negate = 1;
        line++;
        len--;
    } else if (line[0] == '\\' && len > 1 && (line[1] == '#' || line[1] == '!')) {
        line++;
        len--;
    }
    if (len && line[len - 1] == '/') {
        r.dir_only = 1;
        len--;
    }
    if (!len)
        return 0;
    r.anchored = memchr(line, '/', len) != NULL;
    while (len && *line == '/') {
        line++;
        len--;
    }
    if (!len)
        return 0;
    if (ig->count == ig->cap) {
        size_t cap = ig->cap ? ig->cap * 2 : 16;
        rule *n = realloc(ig->rules, cap * sizeof *n);
        if (!n)
            return pe_fail(POCKETENV_ENOMEM, "out of memory");
        ig->rules = n;
        ig->cap = cap;
    }
    r.dir = strdup(dir);
    r.pattern = strndup(line, len);
    if (!r.dir || !r.pattern) {
        free(r.dir);
        free(r.pattern);
        return pe_fail(POCKETENV_ENOMEM, "out of memory");
    }
    ig->rules[ig->count++] = r;
    return 0;
}

int pe_ignore_add(pe_ignore *ig, const char *dir, const char *text)
{
    while (text && *text) {
        const char *nl = strchr(text, '\n');
        size_t len = nl ? (size_t)(nl - text) : strlen(text);
        if (add_rule(ig, dir, text, len))
            return POCKETENV_ENOMEM;
        text += len + (nl ? 1 : 0);
    }
    return 0;
}

int pe_ignore_match(const pe_ignore *ig, const char *rel, int is_dir)
{
    int ignored = 0;
    for (size_t i = 0; ig && i < ig->count; i++) {
        const rule *r = &ig->rules[i];
        size_t dl = strlen(r->dir);
        if (dl && (strncmp(rel, r->dir, dl) != 0 || rel[dl] != '/'))
            continue;
        const char *sub = dl ? rel + dl + 1 : rel;
        if (r->dir_only && !is_dir)
            continue;
        int budget = 100000;
        const char *base = strrchr(sub, '/');
        int hit = r->anchored ? match(r->pattern, sub, &budget) == 1
                              : match(r->pattern, base ? base + 1 : sub, &budget) == 1;
        if (hit)
            ignored = !r->negate;
    }
    return ignored;
}
