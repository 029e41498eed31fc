#include "plain_command.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* The shell's own: running the program of the same name instead would change what happens
 * (`cd`, `exit`, `export`), or the builtin differs from the program (`echo -e`, `test`). Lists
 * dash's and bash's, whichever /bin/sh is. */
static const char *const SHELL_WORDS[] = {
    ".",       ":",        "[",        "[[",       "]]",      "!",        "{",         "}",       "alias",
    "bg",      "bind",     "break",    "builtin",  "caller",  "case",     "cd",        "chdir",   "command",
    "compgen", "complete", "compopt",  "continue", "coproc",  "declare",  "dirs",      "disown",  "do",
    "done",    "echo",     "elif",     "else",     "enable",  "esac",     "eval",      "exec",    "exit",
    "export",  "false",    "fc",       "fg",       "fi",      "for",      "function",  "getopts", "hash",
    "help",    "history",  "if",       "in",       "jobs",    "kill",     "let",       "local",   "logout",
    "mapfile", "popd",     "printf",   "pushd",    "pwd",     "read",     "readarray", "readonly", "return",
    "select",  "set",      "shift",    "shopt",    "source",  "suspend",  "test",      "then",    "time",
    "times",   "trap",     "true",     "type",     "typeset", "ulimit",   "umask",     "unalias", "unset",
    "until",   "wait",     "while",
};

static bool word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("_-./+,:@%=", c);
}

static bool shell_word(const char *w)
{
    for (size_t i = 0; i < sizeof SHELL_WORDS / sizeof *SHELL_WORDS; i++)
        if (!strcmp(w, SHELL_WORDS[i]))
            return true;
    return false;
}

size_t pe_plain_command(const char *cmd, char *buf, size_t bufsize, char **words, size_t max_words)
{
    size_t n = 0;
    char *out = buf;
    if (strlen(cmd) + 1 > bufsize)
        return 0;
    for (const char *p = cmd; *p;) {
        if (*p == ' ' || *p == '\t') {
            p++;
            continue;
        }
        if (n == max_words)
            return 0;
        words[n++] = out;
        while (*p && *p != ' ' && *p != '\t') {
            if (*p == '\'') { /* everything up to the next quote is literal */
                const char *close = strchr(p + 1, '\'');
                if (!close)
                    return 0;
                memcpy(out, p + 1, (size_t)(close - p - 1));
                out += close - p - 1;
                p = close + 1;
            } else if (word_char(*p) && !(n == 1 && *p == '=')) {
                *out++ = *p++;
            } else {
                return 0;
            }
        }
        *out++ = '\0';
    }
    words[n] = NULL;
    return n > 0 && !shell_word(words[0]) ? n : 0;
}

static bool is_program(const char *file)
{
    struct stat st;
    return stat(file, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

int pe_find_program(const char *name, const char *path, char *out, size_t outsize)
{
    if (strchr(name, '/')) {
        if (name[0] != '/' || strlen(name) >= outsize || !is_program(name))
            return -1;
        memcpy(out, name, strlen(name) + 1);
        return 0;
    }
    if (!path)
        path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (const char *dir = path;; dir++) {
        size_t dlen = strcspn(dir, ":");
        if (dlen == 0 || dir[0] != '/') /* an empty or relative entry means the working directory */
            return -1;
        int w = snprintf(out, outsize, "%.*s/%s", (int)dlen, dir, name);
        if (w < 0 || (size_t)w >= outsize)
            return -1;
        if (is_program(out))
            return 0;
        dir += dlen;
        if (!*dir)
            return -1;
    }
}
