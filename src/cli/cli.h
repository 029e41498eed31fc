/* pocketenv CLI internals. */
#ifndef PE_CLI_H
#define PE_CLI_H

#include <stdbool.h>

#include "../lib/internal.h"

/* Exit codes (documented in docs/CLI.md; never renumbered). */
enum {
    EXIT_OK = 0,
    EXIT_ERROR = 1,        /* any other failure */
    EXIT_USAGE = 2,        /* bad arguments */
    EXIT_AUTH = 3,         /* not logged in, bad token, forbidden */
    EXIT_NOT_FOUND = 4,    /* sandbox or resource not found */
    EXIT_SERVER = 5,       /* the server answered with an error */
    EXIT_NETWORK = 6,      /* the server could not be reached, or timed out */
    EXIT_LOCAL = 7,        /* local files: unreadable, disk full, unsafe archive */
    EXIT_INTERRUPTED = 130 /* Ctrl-C */
};

typedef struct cli {
    bool json, color, local, tty_out, tty_err;
    pocketenv_client *client;
    int argc;
    char **argv;           /* the command's own arguments (after the command words) */
} cli;

/* output.c */
void out_init(cli *c);
int out_fail(int rc);                          /* prints the library error, returns the exit code */
int out_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void out_success(cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void out_info(cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *out_relative_time(const char *iso, bool up); /* "3 minutes ago" / "Up 3 minutes"; caller frees */
void out_json(json_t *v);                       /* prints and steals v */
const char *out_color(cli *c, const char *name); /* ANSI sequence or "" */

typedef struct table {
    size_t ncols, nrows;
    const char **headers;
    char **cells;        /* nrows * ncols, owned */
    const char **colors; /* per cell color name or NULL */
} table;
void table_init(table *t, size_t ncols, const char **headers);
void table_add(table *t, const char *const *cells, const char *const *colors);
void table_print(cli *c, table *t);
void table_free(table *t);

/* local.c: the embedded local server */
typedef struct local_server {
    char *url, *token, *public_key;
} local_server;
bool local_mode_default(void);
int local_ensure(local_server *out, bool verbose);
void local_server_free(local_server *l);
char *local_state_dir(void);

/* commands.c */
typedef int (*cmd_fn)(cli *c);
typedef struct command {
    const char *name;
    const char *aliases[4];
    cmd_fn fn;
    bool needs_client;
    const char *usage;
    const char *summary;
} command;
extern const command COMMANDS[];
extern const size_t NCOMMANDS;
const command *find_command(const char *group, const char *name);

#endif
