/*
 * pocketenv/types.h: plain structs for the data the platform returns.
 *
 * Ownership: every struct returned through an out-parameter is allocated by the library and
 * owned by the caller, who releases it (and every string and array inside it) with the
 * matching _free function. Every _free accepts NULL. String fields are NULL when the server
 * omitted the field or sent null; integer fields are POCKETENV_NONE in that case.
 * Dates are kept as the server's ISO-8601 strings.
 */
#ifndef POCKETENV_TYPES_H
#define POCKETENV_TYPES_H

#include "common.h"

POCKETENV_BEGIN_DECL

/** Sandbox status. The raw string is always kept too (pocketenv_sandbox.status_raw). */
typedef enum pocketenv_status {
    POCKETENV_STATUS_UNKNOWN = 0,  /**< the server sent no status */
    POCKETENV_STATUS_INITIALIZING,
    POCKETENV_STATUS_RUNNING,
    POCKETENV_STATUS_STOPPED,
    POCKETENV_STATUS_OTHER         /**< a value this version does not know; see status_raw */
} pocketenv_status;

/** Maps a status string ("RUNNING", ...) to the enum; NULL gives UNKNOWN. */
POCKETENV_EXTERN(pocketenv_status) pocketenv_status_from_string(const char *s);

typedef struct pocketenv_profile {
    char *id, *did, *handle, *display_name, *avatar, *created_at, *updated_at;
} pocketenv_profile;

typedef struct pocketenv_sandbox {
    char *id;             /**< "sbx_..." */
    char *name;
    char *provider;
    char *display_name;
    char *description;
    char **topics;        /**< NULL-free array of topics_count strings (NULL when none) */
    size_t topics_count;
    char *base_sandbox;   /**< record key of the base, e.g. "openclaw" */
    pocketenv_status status;
    char *status_raw;     /**< the server's status string as sent */
    char *repo, *logo, *readme, *uri;
    int64_t installs, vcpus, memory, disk; /**< memory and disk in GB */
    char *created_at, *started_at;
    pocketenv_profile *owner; /**< NULL for ownerless sandboxes or when not sent */
} pocketenv_sandbox;

typedef struct pocketenv_sandboxes {
    pocketenv_sandbox *items;
    size_t count;
    int64_t total;        /**< POCKETENV_NONE when the server did not send it */
} pocketenv_sandboxes;

typedef struct pocketenv_port {
    int64_t port;
    char *description, *preview_url;
} pocketenv_port;

typedef struct pocketenv_ports {
    pocketenv_port *items;
    size_t count;
    int64_t total;
} pocketenv_ports;

typedef struct pocketenv_exec_result {
    char *stdout_text;    /**< never NULL ("" when the server sent nothing) */
    char *stderr_text;    /**< never NULL */
    int64_t exit_code;    /**< POCKETENV_NONE when the server did not report one (not success!) */
} pocketenv_exec_result;

typedef struct pocketenv_secret {
    char *id, *name, *created_at;
} pocketenv_secret;
typedef struct pocketenv_secrets {
    pocketenv_secret *items;
    size_t count;
    int64_t total;
} pocketenv_secrets;

typedef struct pocketenv_variable {
    char *id, *name, *value, *created_at, *updated_at;
} pocketenv_variable;
typedef struct pocketenv_variables {
    pocketenv_variable *items;
    size_t count;
    int64_t total;
} pocketenv_variables;

typedef struct pocketenv_file {
    char *id, *path, *created_at, *updated_at;
} pocketenv_file;
typedef struct pocketenv_files {
    pocketenv_file *items;
    size_t count;
    int64_t total;
} pocketenv_files;

typedef struct pocketenv_volume {
    char *id, *name, *path, *created_at, *updated_at;
} pocketenv_volume;
typedef struct pocketenv_volumes {
    pocketenv_volume *items;
    size_t count;
    int64_t total;
} pocketenv_volumes;

typedef struct pocketenv_service {
    char *id, *name, *description, *command, *status, *created_at;
    int64_t *ports;       /**< sent by pocketenvd only; NULL otherwise */
    size_t ports_count;
} pocketenv_service;
typedef struct pocketenv_services {
    pocketenv_service *items;
    size_t count;
    int64_t total;
} pocketenv_services;

typedef struct pocketenv_ssh_keys {
    char *id;
    char *private_key;    /**< the redacted display copy (with literal "\n"), or "" */
    char *public_key;
    char *created_at;
} pocketenv_ssh_keys;

typedef struct pocketenv_tailscale_auth_key {
    char *id;
    char *auth_key;       /**< the redacted display copy; the real key is never returned */
    char *created_at;
} pocketenv_tailscale_auth_key;

typedef struct pocketenv_backup {
    char *id;             /**< the id restore wants */
    char *directory, *description, *expires_at, *created_at;
} pocketenv_backup;
typedef struct pocketenv_backups {
    pocketenv_backup *items;
    size_t count;
    int64_t total;
} pocketenv_backups;

POCKETENV_EXTERN(void) pocketenv_profile_free(pocketenv_profile *p);
POCKETENV_EXTERN(void) pocketenv_sandbox_free(pocketenv_sandbox *s);
POCKETENV_EXTERN(void) pocketenv_sandboxes_free(pocketenv_sandboxes *l);
POCKETENV_EXTERN(void) pocketenv_ports_free(pocketenv_ports *l);
POCKETENV_EXTERN(void) pocketenv_exec_result_free(pocketenv_exec_result *r);
POCKETENV_EXTERN(void) pocketenv_secret_free(pocketenv_secret *s);
POCKETENV_EXTERN(void) pocketenv_secrets_free(pocketenv_secrets *l);
POCKETENV_EXTERN(void) pocketenv_variable_free(pocketenv_variable *v);
POCKETENV_EXTERN(void) pocketenv_variables_free(pocketenv_variables *l);
POCKETENV_EXTERN(void) pocketenv_file_free(pocketenv_file *f);
POCKETENV_EXTERN(void) pocketenv_files_free(pocketenv_files *l);
POCKETENV_EXTERN(void) pocketenv_volume_free(pocketenv_volume *v);
POCKETENV_EXTERN(void) pocketenv_volumes_free(pocketenv_volumes *l);
POCKETENV_EXTERN(void) pocketenv_service_free(pocketenv_service *s);
POCKETENV_EXTERN(void) pocketenv_services_free(pocketenv_services *l);
POCKETENV_EXTERN(void) pocketenv_ssh_keys_free(pocketenv_ssh_keys *k);
POCKETENV_EXTERN(void) pocketenv_tailscale_auth_key_free(pocketenv_tailscale_auth_key *k);
POCKETENV_EXTERN(void) pocketenv_backups_free(pocketenv_backups *l);

POCKETENV_END_DECL

#endif
