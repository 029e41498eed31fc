/*
 * pocketenv/transfer.h: moving files in and out of sandboxes as streamed tar.gz.
 *
 * Semantics (cp-like, the same in every direction; the client compensates for the
 * server's habit of nesting the basename):
 *   - copying a directory puts its *contents* into the destination directory, which is
 *     created if missing: upload("./site", "/srv/www") gives /srv/www/index.html;
 *   - copying a file writes exactly the destination path: upload("./config.json",
 *     "/app/config.json") gives the file /app/config.json (never a directory of that name);
 *     on download, if the destination is an existing directory the file lands inside it.
 *
 * Upload honours .pocketenvignore and .gitignore files (gitignore semantics, scoped to the
 * directory holding them) and always skips .git/. File modes and symbolic links are kept.
 *
 * Data is streamed between disk and socket through libarchive: memory stays bounded whatever
 * the size and no temporary file is written. Extraction refuses absolute paths, ".."
 * components, links that point outside the destination, hard links, device nodes and FIFOs,
 * and archives whose content exceeds max_bytes; it extracts into a hidden staging directory
 * next to the destination and moves the result into place only when the whole archive was
 * good, so a failure leaves nothing behind.
 */
#ifndef POCKETENV_TRANSFER_H
#define POCKETENV_TRANSFER_H

#include "client.h"
#include "types.h"

POCKETENV_BEGIN_DECL

/** Progress callback: bytes moved so far (compressed, on the wire). Return non-zero to cancel. */
typedef int (*pocketenv_progress_cb)(uint64_t bytes, void *payload);

#define POCKETENV_TRANSFER_OPTIONS_VERSION 1
typedef struct pocketenv_transfer_options {
    unsigned version;
    pocketenv_progress_cb progress;
    void *payload;
    uint64_t max_bytes;  /**< extraction limit on uncompressed content; 0 = 64 GiB */
    int no_ignore;       /**< non-zero: upload everything (still skips .git/) */
} pocketenv_transfer_options;
#define POCKETENV_TRANSFER_OPTIONS_INIT { POCKETENV_TRANSFER_OPTIONS_VERSION, NULL, NULL, 0, 0 }

/** Upload a local file or directory to remote_path in the (running) sandbox. */
POCKETENV_EXTERN(int) pocketenv_sandbox_upload(pocketenv_client *c, const pocketenv_sandbox *sb,
                                              const char *local_path, const char *remote_path,
                                              const pocketenv_transfer_options *opts);
/** Download remote_path from the (running) sandbox to local_path. */
POCKETENV_EXTERN(int) pocketenv_sandbox_download(pocketenv_client *c, const pocketenv_sandbox *sb,
                                                const char *remote_path, const char *local_path,
                                                const pocketenv_transfer_options *opts);
/** Copy src_path of sb to dest_path of other (both running), without local files. */
POCKETENV_EXTERN(int) pocketenv_sandbox_copy_to(pocketenv_client *c, const pocketenv_sandbox *sb,
                                               const pocketenv_sandbox *other, const char *src_path,
                                               const char *dest_path,
                                               const pocketenv_transfer_options *opts);

/**
 * Extract a tar.gz stream read from fd into the directory dest (created if missing; existing
 * directories are merged, files replaced) with the safety rules above. max_bytes bounds the
 * uncompressed content (0 = 64 GiB). On failure nothing is left in dest or beside it.
 * Exposed for tools and tests; download uses the same code.
 */
POCKETENV_EXTERN(int) pocketenv_archive_extract_fd(int fd, const char *dest, uint64_t max_bytes);

/** Stream a tar.gz of path to fd (see upload for entry naming). entry_name: name of a single
 *  file's entry, or NULL for a directory's contents. */
POCKETENV_EXTERN(int) pocketenv_archive_create_fd(int fd, const char *path, const char *entry_name,
                                                 int no_ignore);

POCKETENV_END_DECL

#endif
