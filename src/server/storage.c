/* Transfer blobs for /cp: one file per uuid, owned by the uploader, deleted when downloaded. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server.h"

char *srv_blob_path(const char *uuid) { return pe_strprintf("%s/blobs/%s.tar.gz", g_cfg.state_dir, uuid); }

int srv_blob_register(const char *uuid, const char *owner_did)
{
    char *now = srv_now_iso();
    /* A uuid may be reused by its owner (the platform lets uploaders choose keys), never by others. */
    int n = db_run("INSERT INTO blobs (uuid, owner_did, created_at) VALUES (?,?,?) "
                   "ON CONFLICT(uuid) DO UPDATE SET created_at = excluded.created_at WHERE owner_did = excluded.owner_did",
                   "sss", uuid, owner_did, now);
    free(now);
    return n == 1 ? 0 : -1;
}

int srv_blob_claim(const char *uuid, const char *owner_did, int *fd, uint64_t *size)
{
    char *path = srv_blob_path(uuid);
    int rc = -1;
    if (path && db_run("DELETE FROM blobs WHERE uuid = ? AND owner_did = ?", "ss", uuid, owner_did) == 1) {
        *fd = open(path, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (*fd >= 0 && fstat(*fd, &st) == 0) {
            *size = (uint64_t)st.st_size;
            rc = 0;
        } else if (*fd >= 0) {
            close(*fd);
        }
        unlink(path); /* single use: the open descriptor keeps the data until sent */
    }
    free(path);
    return rc;
}
