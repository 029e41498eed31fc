/* Test support: runs a real pocketenvd on loopback in a fresh state directory. */
#ifndef PE_TEST_HARNESS_H
#define PE_TEST_HARNESS_H

#include <sys/types.h>

#include <pocketenv/pocketenv.h>

typedef struct pe_test_server {
    pid_t pid;
    char state[256];
    char url[128];
    char token[128];
    char public_key[80];
} pe_test_server;

/* Starts pocketenvd (path from $POCKETENVD or the build tree) with extra arguments. */
int pe_test_server_start(pe_test_server *s, const char *const *extra_args);
/* SIGTERM and wait; with kill9 the server is killed instead (sandboxes survive). Returns the
 * server's exit status after SIGTERM (non-zero means it failed to shut down cleanly, e.g. a
 * LeakSanitizer report in a sanitizer build), 0 after SIGKILL. */
int pe_test_server_stop(pe_test_server *s, int kill9);
/* Restart on the same state directory (and the same port). */
int pe_test_server_restart(pe_test_server *s, int kill9);
/* Stops the server, removes the state directory; returns pe_test_server_stop's status. */
int pe_test_server_cleanup(pe_test_server *s);
/* A client for this server with the default user's token (or `token` when non-NULL). */
pocketenv_client *pe_test_client(const pe_test_server *s, const char *token);
/* Creates another local user; returns its token (caller frees). */
char *pe_test_add_user(const pe_test_server *s, const char *handle);
/* Runs a shell command, returns its exit status; output (if out) is captured (caller frees). */
int pe_test_sh(const char *cmd, char **out);

#endif
