/*
 * Recognising command lines the shell would run as one plain program.
 *
 * exec sends a command line that the platform runs with `/bin/sh -c`. When the line is a plain
 * program call ("ls -la /tmp", "python3 app.py"), the shell only splits it on blanks, finds the
 * program in PATH and execs it in place of itself; starting the program directly does the
 * same and skips starting the shell. Shared by the sandbox init (which uses it) and the tests.
 */
#ifndef PE_PLAIN_COMMAND_H
#define PE_PLAIN_COMMAND_H

#include <stddef.h>

/*
 * Splits cmd into words when /bin/sh would treat it as one plain program call: words made of
 * letters, digits, `_ - . / + , : @ % =` and single-quoted strings (as pocketenv_shell_join
 * writes them), separated by spaces or tabs; at most max_words; no unquoted `=` in the first
 * word (an assignment); a first word that is not a shell builtin or keyword. Anything else
 * (double quotes, backslashes, expansions, globs, redirections, operators, comments, tildes,
 * unquoted newlines or other bytes) needs the shell.
 *
 * buf (bufsize bytes, at least strlen(cmd) + 1) receives the words; words[0..n-1] point into it
 * and words[n] is NULL, so words has room for max_words + 1 pointers. Returns n > 0, or 0 when
 * the shell is needed (or a buffer is too small). Pure and thread-safe.
 */
size_t pe_plain_command(const char *cmd, char *buf, size_t bufsize, char **words, size_t max_words);

/*
 * Finds the file the shell would exec for a program name: a name with a `/` is used as it is
 * when absolute; otherwise each absolute directory of path (a PATH value; NULL means the
 * shell's default) is tried in order for an executable regular file. Writes the file into
 * out (outsize bytes) and returns 0, or returns -1 when the shell should decide (not found, a
 * relative directory or name, too long). Reads the file system; thread-safe.
 */
int pe_find_program(const char *name, const char *path, char *out, size_t outsize);

#endif
