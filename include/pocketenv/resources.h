/*
 * pocketenv/resources.h: secrets, SSH keys, Tailscale keys, variables, files, volumes, services.
 *
 * Values that must stay private (secret values, SSH private keys, Tailscale auth keys, file
 * contents) are sealed on the client with the server's public key (libsodium sealed box,
 * base64url without padding) before they leave the process; they are never logged and never
 * appear in error messages.
 *
 * "put" functions are update-or-add by name (or path): the server refuses duplicates, so they
 * look the resource up first. "add" functions fail with the server's error on a duplicate.
 *
 * List functions fill a caller-provided list struct; release it with the matching _list_free.
 * limit <= 0 means the documented default, offset < 0 means 0.
 * All functions return POCKETENV_OK or a negative pocketenv_error_code.
 */
#ifndef POCKETENV_RESOURCES_H
#define POCKETENV_RESOURCES_H

#include "client.h"
#include "types.h"

POCKETENV_BEGIN_DECL

/* ---- secrets (by sandbox id) ---- */
POCKETENV_EXTERN(int) pocketenv_secret_add(pocketenv_client *c, const char *sandbox_id,
                                          const char *name, const char *value);
/** Update-or-add by name. */
POCKETENV_EXTERN(int) pocketenv_secret_put(pocketenv_client *c, const char *sandbox_id,
                                          const char *name, const char *value);
/** limit <= 0: 100. */
POCKETENV_EXTERN(int) pocketenv_secret_list(pocketenv_client *c, const char *sandbox_id, int limit,
                                           int offset, pocketenv_secrets *out);
/** ENOTFOUND when the server answers "{}". */
POCKETENV_EXTERN(int) pocketenv_secret_get(pocketenv_client *c, const char *secret_id,
                                          pocketenv_secret **out);
POCKETENV_EXTERN(int) pocketenv_secret_update(pocketenv_client *c, const char *secret_id,
                                             const char *sandbox_id, const char *name, const char *value);
POCKETENV_EXTERN(int) pocketenv_secret_delete(pocketenv_client *c, const char *secret_id);

/* ---- SSH keys ---- */
/** ENOTFOUND when none are stored. */
POCKETENV_EXTERN(int) pocketenv_ssh_keys_get(pocketenv_client *c, const char *sandbox_id,
                                            pocketenv_ssh_keys **out);
/** Seals the private key and stores its redacted display copy (spec rule). */
POCKETENV_EXTERN(int) pocketenv_ssh_keys_put(pocketenv_client *c, const char *sandbox_id,
                                            const char *private_key, const char *public_key);
/**
 * Generate an Ed25519 key pair in OpenSSH format. *out_private (PEM "OPENSSH PRIVATE KEY") and
 * *out_public ("ssh-ed25519 AAAA... comment") are caller-owned (free()). comment may be NULL
 * ("user@pocketenv").
 */
POCKETENV_EXTERN(int) pocketenv_ssh_keygen_ed25519(const char *comment, char **out_private, char **out_public);

/* ---- Tailscale ---- */
POCKETENV_EXTERN(int) pocketenv_tailscale_auth_key_get(pocketenv_client *c, const char *sandbox_id,
                                                      pocketenv_tailscale_auth_key **out);
/** auth_key must start with "tskey-auth-" (EINVAL otherwise, nothing sent). */
POCKETENV_EXTERN(int) pocketenv_tailscale_auth_key_put(pocketenv_client *c, const char *sandbox_id,
                                                      const char *auth_key);

/* ---- variables ---- */
POCKETENV_EXTERN(int) pocketenv_variable_add(pocketenv_client *c, const char *sandbox_id,
                                            const char *name, const char *value);
POCKETENV_EXTERN(int) pocketenv_variable_put(pocketenv_client *c, const char *sandbox_id,
                                            const char *name, const char *value);
/** limit <= 0: 100. */
POCKETENV_EXTERN(int) pocketenv_variable_list(pocketenv_client *c, const char *sandbox_id, int limit,
                                             int offset, pocketenv_variables *out);
POCKETENV_EXTERN(int) pocketenv_variable_get(pocketenv_client *c, const char *variable_id,
                                            pocketenv_variable **out);
POCKETENV_EXTERN(int) pocketenv_variable_update(pocketenv_client *c, const char *variable_id,
                                               const char *sandbox_id, const char *name, const char *value);
POCKETENV_EXTERN(int) pocketenv_variable_delete(pocketenv_client *c, const char *variable_id);

/* ---- files (content always sealed; written at `path` when the sandbox starts) ---- */
POCKETENV_EXTERN(int) pocketenv_file_add(pocketenv_client *c, const char *sandbox_id,
                                        const char *path, const char *content);
POCKETENV_EXTERN(int) pocketenv_file_put(pocketenv_client *c, const char *sandbox_id,
                                        const char *path, const char *content);
/** limit <= 0: 100. */
POCKETENV_EXTERN(int) pocketenv_file_list(pocketenv_client *c, const char *sandbox_id, int limit,
                                         int offset, pocketenv_files *out);
POCKETENV_EXTERN(int) pocketenv_file_get(pocketenv_client *c, const char *file_id, pocketenv_file **out);
POCKETENV_EXTERN(int) pocketenv_file_update(pocketenv_client *c, const char *file_id,
                                           const char *path, const char *content);
POCKETENV_EXTERN(int) pocketenv_file_delete(pocketenv_client *c, const char *file_id);

/* ---- volumes (persistent directories mounted at `path`) ---- */
POCKETENV_EXTERN(int) pocketenv_volume_add(pocketenv_client *c, const char *sandbox_id,
                                          const char *name, const char *path, int read_only);
/** Update-or-add by path. */
POCKETENV_EXTERN(int) pocketenv_volume_put(pocketenv_client *c, const char *sandbox_id,
                                          const char *name, const char *path, int read_only);
POCKETENV_EXTERN(int) pocketenv_volume_list(pocketenv_client *c, const char *sandbox_id, int limit,
                                           int offset, pocketenv_volumes *out);
POCKETENV_EXTERN(int) pocketenv_volume_get(pocketenv_client *c, const char *volume_id,
                                          pocketenv_volume **out);
POCKETENV_EXTERN(int) pocketenv_volume_update(pocketenv_client *c, const char *volume_id,
                                             const char *name, const char *path, int read_only);
POCKETENV_EXTERN(int) pocketenv_volume_delete(pocketenv_client *c, const char *volume_id);

/* ---- services (supervised long-running commands) ---- */
/** ports: nports entries (may be 0). */
POCKETENV_EXTERN(int) pocketenv_service_add(pocketenv_client *c, const char *sandbox_id, const char *name,
                                           const char *command, const char *description,
                                           const int *ports, size_t nports);
/** Update-or-add by name. */
POCKETENV_EXTERN(int) pocketenv_service_put(pocketenv_client *c, const char *sandbox_id, const char *name,
                                           const char *command, const char *description,
                                           const int *ports, size_t nports);
POCKETENV_EXTERN(int) pocketenv_service_list(pocketenv_client *c, const char *sandbox_id,
                                            pocketenv_services *out);
POCKETENV_EXTERN(int) pocketenv_service_update(pocketenv_client *c, const char *service_id, const char *name,
                                              const char *command, const char *description,
                                              const int *ports, size_t nports);
POCKETENV_EXTERN(int) pocketenv_service_start(pocketenv_client *c, const char *service_id);
POCKETENV_EXTERN(int) pocketenv_service_stop(pocketenv_client *c, const char *service_id);
POCKETENV_EXTERN(int) pocketenv_service_restart(pocketenv_client *c, const char *service_id);
POCKETENV_EXTERN(int) pocketenv_service_delete(pocketenv_client *c, const char *service_id);

/* ---- the same operations on a sandbox from an earlier step (NULL sb: EINVAL) ---- */
POCKETENV_EXTERN(int) pocketenv_sandbox_set_secret(pocketenv_client *c, const pocketenv_sandbox *sb,
                                                  const char *name, const char *value);
POCKETENV_EXTERN(int) pocketenv_sandbox_list_secrets(pocketenv_client *c, const pocketenv_sandbox *sb,
                                                    int limit, int offset, pocketenv_secrets *out);
POCKETENV_EXTERN(int) pocketenv_sandbox_delete_secret(pocketenv_client *c, const pocketenv_sandbox *sb,
                                                     const char *secret_id);
POCKETENV_EXTERN(int) pocketenv_sandbox_get_ssh_keys(pocketenv_client *c, const pocketenv_sandbox *sb,
                                                    pocketenv_ssh_keys **out);
POCKETENV_EXTERN(int) pocketenv_sandbox_set_ssh_keys(pocketenv_client *c, const pocketenv_sandbox *sb,
                                                    const char *private_key, const char *public_key);
POCKETENV_EXTERN(int) pocketenv_sandbox_get_tailscale_auth_key(pocketenv_client *c, const pocketenv_sandbox *sb,
                                                              pocketenv_tailscale_auth_key **out);
POCKETENV_EXTERN(int) pocketenv_sandbox_set_tailscale_auth_key(pocketenv_client *c, const pocketenv_sandbox *sb,
                                                              const char *auth_key);

POCKETENV_END_DECL

#endif
