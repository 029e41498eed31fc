/*
 * pocketenv/sandbox.h: sandbox lifecycle, exec, ports, VS Code, profiles and listings.
 *
 * The reference SDK threads a sandbox through a pipeline and turns the first failure into an
 * error value. In C: every function that acts on a sandbox takes the pocketenv_sandbox the
 * previous step produced, and fails with POCKETENV_EINVAL ("no sandbox") when it is NULL, so
 *
 *     if (pocketenv_sandbox_create(c, &sb, NULL) || pocketenv_sandbox_start(c, sb, NULL) ||
 *         pocketenv_sandbox_wait_until_running(c, sb, NULL) ||
 *         pocketenv_sandbox_exec(c, sb, "echo hi", &res))
 *         fprintf(stderr, "%s\n", pocketenv_error_last()->message);
 *
 * stops at the first failing step with its detail. Functions that "re-fetch" update the
 * caller's struct in place with the server's current state.
 *
 * All functions return POCKETENV_OK or a negative pocketenv_error_code; detail is in
 * pocketenv_error_last(). Threading: see client.h.
 */
#ifndef POCKETENV_SANDBOX_H
#define POCKETENV_SANDBOX_H

#include "client.h"
#include "types.h"

POCKETENV_BEGIN_DECL

#define POCKETENV_DEFAULT_BASE "at://did:plc:aturpi2ls3yvsmhc6wybomun/io.pocketenv.sandbox/openclaw"
#define POCKETENV_DEFAULT_PROVIDER "cloudflare"

#define POCKETENV_CREATE_OPTIONS_VERSION 1
typedef struct pocketenv_create_options {
    unsigned version;
    const char *base;        /**< default POCKETENV_DEFAULT_BASE */
    const char *provider;    /**< default "cloudflare" */
    const char *name;        /**< honoured by pocketenvd; the hosted server generates one */
    const char *description;
    const char *repo;
    int keep_alive;          /**< non-zero: never auto-stop when idle */
    int64_t vcpus, memory, disk; /**< 0 = server default; memory and disk in GB */
} pocketenv_create_options;
#define POCKETENV_CREATE_OPTIONS_INIT { POCKETENV_CREATE_OPTIONS_VERSION, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0 }

/** Create a sandbox. *out (caller-owned) holds the server's answer (which has no status). */
POCKETENV_EXTERN(int) pocketenv_sandbox_create(pocketenv_client *c, pocketenv_sandbox **out,
                                              const pocketenv_create_options *opts);

/**
 * Fetch a sandbox by id, name or URI. Not found is a distinct outcome: POCKETENV_ENOTFOUND with
 * *out set to NULL (the server answers 200 "{}" for that; it is never turned into an empty sandbox).
 */
POCKETENV_EXTERN(int) pocketenv_sandbox_get(pocketenv_client *c, const char *id_or_name,
                                           pocketenv_sandbox **out);

/** Refresh sb in place from the server (ENOTFOUND if it vanished). */
POCKETENV_EXTERN(int) pocketenv_sandbox_refresh(pocketenv_client *c, pocketenv_sandbox *sb);

/** The public catalog (getSandboxes). limit <= 0 means 30; offset < 0 means 0. */
POCKETENV_EXTERN(int) pocketenv_sandbox_list(pocketenv_client *c, int limit, int offset,
                                            pocketenv_sandboxes *out);

/** Sandboxes of an actor (DID or handle). is_running: -1 all, 1 running only, 0 stopped only. */
POCKETENV_EXTERN(int) pocketenv_sandbox_list_by_actor(pocketenv_client *c, const char *did_or_handle,
                                                     int limit, int offset, int is_running,
                                                     pocketenv_sandboxes *out);

/** The caller's profile (getProfile without did). ENOTFOUND when the server returns "{}". */
POCKETENV_EXTERN(int) pocketenv_me(pocketenv_client *c, pocketenv_profile **out);
/** Another actor's profile by DID or handle. */
POCKETENV_EXTERN(int) pocketenv_profile_get(pocketenv_client *c, const char *did_or_handle,
                                           pocketenv_profile **out);

#define POCKETENV_START_OPTIONS_VERSION 1
typedef struct pocketenv_start_options {
    unsigned version;
    const char *repo;
    int keep_alive;
} pocketenv_start_options;
#define POCKETENV_START_OPTIONS_INIT { POCKETENV_START_OPTIONS_VERSION, NULL, 0 }

/** Start and re-fetch sb. opts may be NULL. */
POCKETENV_EXTERN(int) pocketenv_sandbox_start(pocketenv_client *c, pocketenv_sandbox *sb,
                                             const pocketenv_start_options *opts);
/** Stop and re-fetch sb. */
POCKETENV_EXTERN(int) pocketenv_sandbox_stop(pocketenv_client *c, pocketenv_sandbox *sb);
/** Delete. sb keeps the last known state (the caller still frees it). */
POCKETENV_EXTERN(int) pocketenv_sandbox_delete(pocketenv_client *c, pocketenv_sandbox *sb);

#define POCKETENV_WAIT_OPTIONS_VERSION 1
typedef struct pocketenv_wait_options {
    unsigned version;
    long timeout_ms;   /**< default 60000 */
    long interval_ms;  /**< default 2000 */
} pocketenv_wait_options;
#define POCKETENV_WAIT_OPTIONS_INIT { POCKETENV_WAIT_OPTIONS_VERSION, 0, 0 }

/**
 * Poll until sb is RUNNING (sb is updated in place). Fails fast with ENOTFOUND if the sandbox
 * disappears and with the call's error on any HTTP or transport failure; ETIMEOUT otherwise.
 */
POCKETENV_EXTERN(int) pocketenv_sandbox_wait_until_running(pocketenv_client *c, pocketenv_sandbox *sb,
                                                          const pocketenv_wait_options *opts);

/**
 * Run one shell command line in the sandbox (sent as is). A non-zero remote exit status is
 * still success here: read out->exit_code. *out is caller-owned (pocketenv_exec_result_free).
 */
POCKETENV_EXTERN(int) pocketenv_sandbox_exec(pocketenv_client *c, const pocketenv_sandbox *sb,
                                            const char *command, pocketenv_exec_result **out);

/**
 * Run a program with arguments: each word is quoted for the POSIX shell, so
 * argv {"echo", "a b", "$(id)"} prints "a b $(id)" and runs nothing else. argc words of argv.
 */
POCKETENV_EXTERN(int) pocketenv_sandbox_execv(pocketenv_client *c, const pocketenv_sandbox *sb,
                                             size_t argc, const char *const *argv,
                                             pocketenv_exec_result **out);

/**
 * Expose a port (1025..65535). *out_url receives the preview URL (caller frees with free()),
 * or NULL when the server returned none. out_url may be NULL.
 */
POCKETENV_EXTERN(int) pocketenv_sandbox_expose(pocketenv_client *c, const pocketenv_sandbox *sb,
                                              int port, const char *description, char **out_url);
POCKETENV_EXTERN(int) pocketenv_sandbox_unexpose(pocketenv_client *c, const pocketenv_sandbox *sb, int port);
POCKETENV_EXTERN(int) pocketenv_sandbox_list_ports(pocketenv_client *c, const pocketenv_sandbox *sb,
                                                  pocketenv_ports *out);
/** Expose VS Code; *out_url as for expose. */
POCKETENV_EXTERN(int) pocketenv_sandbox_vscode(pocketenv_client *c, const pocketenv_sandbox *sb,
                                              char **out_url);

/** Create a backup of a directory. ttl_seconds <= 0: the server default (3 days). */
POCKETENV_EXTERN(int) pocketenv_sandbox_create_backup(pocketenv_client *c, const pocketenv_sandbox *sb,
                                                     const char *directory, const char *description,
                                                     int64_t ttl_seconds);
POCKETENV_EXTERN(int) pocketenv_sandbox_list_backups(pocketenv_client *c, const pocketenv_sandbox *sb,
                                                    pocketenv_backups *out);
POCKETENV_EXTERN(int) pocketenv_restore_backup(pocketenv_client *c, const char *backup_id);

POCKETENV_END_DECL

#endif
