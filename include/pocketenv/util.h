/*
 * pocketenv/util.h: pure helpers the SDK uses and exposes: sealing, redaction, shell quoting
 * and ignore-file matching. None of them performs I/O except where stated; all are thread-safe.
 * Returned strings are caller-owned (free()); NULL is returned only on allocation failure or
 * invalid input, with detail in pocketenv_error_last().
 */
#ifndef POCKETENV_UTIL_H
#define POCKETENV_UTIL_H

#include "common.h"

POCKETENV_BEGIN_DECL

/**
 * Seal plaintext (len bytes) for the server key given as 64 hex characters: libsodium
 * crypto_box_seal, encoded base64url without padding. Output length is
 * ceil((len + 48) * 4 / 3) characters.
 */
POCKETENV_EXTERN(char *) pocketenv_seal(const char *public_key_hex, const void *plaintext, size_t len);

/**
 * Open a sealed value (the server side of pocketenv_seal). *out_len receives the length; the
 * returned buffer is NUL-terminated and caller-owned. NULL when it does not open.
 */
POCKETENV_EXTERN(char *) pocketenv_unseal(const unsigned char public_key[32], const unsigned char secret_key[32],
                                         const char *sealed_b64, size_t *out_len);

/** Tailscale display copy: longer than 14: first 11, then '*' x (len-14), then last 3. */
POCKETENV_EXTERN(char *) pocketenv_redact_tailscale_key(const char *key);

/** SSH private key display copy (OpenSSH PEM rule of the platform; newlines become "\n"). */
POCKETENV_EXTERN(char *) pocketenv_redact_ssh_private_key(const char *key);

/** Quote one word for the POSIX shell: 'it'\''s' style; safe for any byte string. */
POCKETENV_EXTERN(char *) pocketenv_shell_quote(const char *word);

/** Join argv into a command line with every word quoted. */
POCKETENV_EXTERN(char *) pocketenv_shell_join(size_t argc, const char *const *argv);

/**
 * Match a path against one gitignore pattern (no leading '!', no trailing '/': the caller
 * handles those). Anchored patterns (containing '/') match the whole path from the ignore
 * file's directory; others match any last component. Supports *, ?, [...], and ** .
 * Returns 1 on match, 0 otherwise.
 */
POCKETENV_EXTERN(int) pocketenv_glob_match(const char *pattern, const char *path);

POCKETENV_END_DECL

#endif
