/*
 * tar.gz creation from disk and safe extraction to disk, streamed through file descriptors so
 * that transfers never hold more than a block in memory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "archive_int.h"

#define BLOCK (64 * 1024)
#define DEFAULT_MAX_BYTES (64ULL << 30)

/* ------------------------------------------------------------------ creation */

typedef struct walker {
    struct archive *a;
    pe_ignore *ignore;
    int no_ignore;
    char *buf;
} walker;

static int archive_fail(struct archive *a, const char *what)
{
    int e = archive_errno(a);
    const char *msg = archive_error_string(a);
    return pe_fail(e == ENOSPC || e == EPIPE || e == EIO ? POCKETENV_EIO : POCKETENV_EIO, "%s: %s", what,
                   msg ? msg : strerror(e ? e : EIO));
}

static int write_file_data(walker *w, const char *abs)
{
    int fd = open(abs, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return pe_fail(POCKETENV_EIO, "cannot read %s: %s", abs, strerror(errno));
    int rc = 0;
    for (;;) {
        ssize_t n = read(fd, w->buf, BLOCK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = pe_fail(POCKETENV_EIO, "cannot read %s: %s", abs, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        if (archive_write_data(w->a, w->buf, (size_t)n) != n) {
            rc = archive_fail(w->a, "cannot write the archive");
            break;
        }
    }
    close(fd);
    return rc;
}

static int add_entry(walker *w, const char *abs, const char *name, const struct stat *st)
{
    struct archive_entry *e = archive_entry_new();
    if (!e)
        return pe_fail(POCKETENV_ENOMEM, "out of memory");
    archive_entry_copy_stat(e, st);
    archive_entry_set_pathname(e, name);
    archive_entry_set_uname(e, "");
    archive_entry_set_gname(e, "");
    int rc = 0;
    if (S_ISLNK(st->st_mode)) {
        char target[4096];
        ssize_t n = readlink(abs, target, sizeof target - 1);
        if (n < 0) {
            archive_entry_free(e);
            return pe_fail(POCKETENV_EIO, "cannot read link %s: %s", abs, strerror(errno));
        }
        target[n] = '\0';
        archive_entry_set_symlink(e, target);
        archive_entry_set_size(e, 0);
    } else if (!S_ISREG(st->st_mode)) {
        archive_entry_set_size(e, 0);
    }
    if (archive_write_header(w->a, e) != ARCHIVE_OK)
        rc = archive_fail(w->a, "cannot write the archive");
    else if (S_ISREG(st->st_mode))
        rc = write_file_data(w, abs);
    archive_entry_free(e);
    return rc;
}

/* Reads a small ignore file if present and adds its rules under scope `rel`. */
static int load_ignore_file(walker *w, const char *dir_abs, const char *rel, const char *fname)
{
    char *path = pe_strprintf("%s/%s", dir_abs, fname);
    if (!path)
        return pe_fail(POCKETENV_ENOMEM, "out of memory");
    FILE *f = fopen(path, "re");
    free(path);
    if (!f)
        return 0;
    pe_buf text = { 0 };
    char chunk[4096];
    size_t n;
    int rc = 0;
    while (!rc && (n = fread(chunk, 1, sizeof chunk, f)) > 0 && text.len < (1u << 20))
        rc = pe_buf_append(&text, chunk, n);
    fclose(f);
    if (!rc && text.data)
        rc = pe_ignore_add(w->ignore, rel, text.data);
    pe_buf_free(&text);
    return rc;
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Lists a directory's names sorted (stable archives); caller frees. */
int pe_list_dir(const char *abs, char ***names, size_t *count)
{
    DIR *d = opendir(abs);
    *names = NULL;
    *count = 0;
    if (!d)
        return pe_fail(POCKETENV_EIO, "cannot open directory %s: %s", abs, strerror(errno));
    size_t cap = 0;
    struct dirent *de;
    int rc = 0;
    while (!rc && (de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (*count == cap) {
            cap = cap ? cap * 2 : 32;
            char **n = realloc(*names, cap * sizeof *n);
            if (!n) {
                rc = pe_fail(POCKETENV_ENOMEM, "out of memory");
                break;
            }
            *names = n;
        }
        if (!((*names)[*count] = strdup(de->d_name)))
            rc = pe_fail(POCKETENV_ENOMEM, "out of memory");
        else
            (*count)++;
    }
    closedir(d);
    if (*count)
        qsort(*names, *count, sizeof **names, cmp_names);
    return rc;
}

void pe_free_names(char **names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

/* Archives the children of dir_abs as prefix/<name>; rel is the path relative to the root. */
static int walk_dir(walker *w, const char *dir_abs, const char *rel, const char *prefix)
{
    int rc = 0;
    if (!w->no_ignore)
        rc = load_ignore_file(w, dir_abs, rel, ".gitignore") || load_ignore_file(w, dir_abs, rel, ".pocketenvignore");
    if (rc)
        return POCKETENV_ENOMEM;
    char **names;
    size_t count;
    if ((rc = pe_list_dir(dir_abs, &names, &count)) != 0)
        return rc;
    for (size_t i = 0; !rc && i < count; i++) {
        char *abs = pe_strprintf("%s/%s", dir_abs, names[i]);
        char *crel = *rel ? pe_strprintf("%s/%s", rel, names[i]) : strdup(names[i]);
        char *name = *prefix ? pe_strprintf("%s/%s", prefix, names[i]) : strdup(names[i]);
        struct stat st;
        if (!abs || !crel || !name) {
            rc = pe_fail(POCKETENV_ENOMEM, "out of memory");
        } else if (lstat(abs, &st) != 0) {
            rc = pe_fail(POCKETENV_EIO, "cannot stat %s: %s", abs, strerror(errno));
        } else if (S_ISDIR(st.st_mode) && !strcmp(names[i], ".git")) {
            /* never uploaded */
        } else if (pe_ignore_match(w->ignore, crel, S_ISDIR(st.st_mode))) {
            /* ignored */
        } else if (S_ISDIR(st.st_mode)) {
            rc = add_entry(w, abs, name, &st);
            if (!rc)
                rc = walk_dir(w, abs, crel, name);
        } else if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) {
            rc = add_entry(w, abs, name, &st);
        } /* sockets, FIFOs and devices are skipped: they cannot be transferred */
        free(abs);
        free(crel);
        free(name);
    }
    pe_free_names(names, count);
    return rc;
}

int pocketenv_archive_create_fd(int fd, const char *path, const char *entry_name, int no_ignore)
{
    struct stat st;
    if (!path || lstat(path, &st) != 0)
        return pe_fail(POCKETENV_EIO, "cannot read %s: %s", path ? path : "(null)", strerror(errno));
    walker w = { archive_write_new(), pe_ignore_new(), no_ignore, malloc(BLOCK) };
    int rc = 0;
    if (!w.a || !w.ignore || !w.buf)
        rc = pe_fail(POCKETENV_ENOMEM, "out of memory");
    else if (archive_write_add_filter_gzip(w.a) != ARCHIVE_OK || archive_write_set_format_pax_restricted(w.a) != ARCHIVE_OK ||
             archive_write_set_bytes_in_last_block(w.a, 1) != ARCHIVE_OK || archive_write_open_fd(w.a, fd) != ARCHIVE_OK)
        rc = archive_fail(w.a, "cannot start the archive");
    if (!rc) {
        const char *top = entry_name && *entry_name ? entry_name : NULL;
        if (S_ISDIR(st.st_mode)) {
            if (top)
                rc = add_entry(&w, path, top, &st);
            if (!rc)
                rc = walk_dir(&w, path, "", top ? top : "");
        } else if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) {
            char *copy = strdup(path);
            rc = copy ? add_entry(&w, path, top ? top : basename(copy), &st) : pe_fail(POCKETENV_ENOMEM, "out of memory");
            free(copy);
        } else {
            rc = pe_fail(POCKETENV_EINVAL, "%s is neither a file nor a directory", path);
        }
    }
    if (w.a && archive_write_close(w.a) != ARCHIVE_OK && !rc)
        rc = archive_fail(w.a, "cannot finish the archive");
    if (w.a)
        archive_write_free(w.a);
    pe_ignore_free(w.ignore);
    free(w.buf);
    return rc;
}

/* ------------------------------------------------------------------ extraction */

/* Checks an entry name: relative, no "..", no empty result. Returns the cleaned name (without
 * "./" components and repeated slashes) or NULL. */
static char *clean_name(const char *name)
{
    if (!name || name[0] == '/')
        return NULL;
    pe_buf out = { 0 };
    const char *p = name;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 2 && !strncmp(p, "..", 2)) {
            pe_buf_free(&out);
            return NULL;
        }
        if (len && !(len == 1 && *p == '.')) {
            if ((out.len && pe_buf_append(&out, "/", 1)) || pe_buf_append(&out, p, len)) {
                pe_buf_free(&out);
                return NULL;
            }
        }
        p += len + (slash ? 1 : 0);
    }
    return out.data; /* NULL when nothing was left */
}

/* Does a symlink at `name` (clean, relative) with `target` stay inside the root? */
static int link_stays_inside(const char *name, const char *target)
{
    if (!target || !*target || target[0] == '/')
        return 0;
    int depth = 0;
    for (const char *p = name; *p; p++)
        depth += *p == '/'; /* directories above the link */
    const char *p = target;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 2 && !strncmp(p, "..", 2)) {
            if (--depth < 0)
                return 0;
        } else if (len && !(len == 1 && *p == '.')) {
            depth++;
        }
        p += len + (slash ? 1 : 0);
    }
    return 1;
}

static int refuse(const char *why, const char *name)
{
    return pe_fail(POCKETENV_EUNSAFE, "unsafe archive refused: %s: %s", why, name ? name : "(no name)");
}

static int extract_entry(struct archive *in, struct archive *out, struct archive_entry *e, const char *stage,
                         uint64_t *total, uint64_t max_bytes, char *buf)
{
    /* copy: the entry's name is replaced below, which frees the original string */
    char *raw = pe_strdup(archive_entry_pathname(e));
    char *name = clean_name(raw);
    if (!name) {
        int skip = raw && (!strcmp(raw, ".") || !strcmp(raw, "./"));
        int r = skip ? 0 : refuse("absolute path or '..' component", raw);
        free(raw);
        return r;
    }
    mode_t type = archive_entry_filetype(e);
    int rc = 0;
    char *hard = NULL;
    if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK)
        rc = refuse("device node, FIFO or socket", raw);
    else if (archive_entry_hardlink(e)) {
        char *target = clean_name(archive_entry_hardlink(e));
        if (!target)
            rc = refuse("hard link out of the destination", raw);
        else if (!(hard = pe_strprintf("%s/%s", stage, target)))
            rc = pe_fail(POCKETENV_ENOMEM, "out of memory");
        free(target);
    } else if (type == AE_IFLNK && !link_stays_inside(name, archive_entry_symlink(e)))
        rc = refuse("symbolic link pointing outside the destination", raw);
    if (!rc && archive_entry_size_is_set(e) && (uint64_t)archive_entry_size(e) > max_bytes - *total)
        rc = refuse("declared size exceeds the extraction limit", raw);
    char *full = rc ? NULL : pe_strprintf("%s/%s", stage, name);
    if (!rc && !full)
        rc = pe_fail(POCKETENV_ENOMEM, "out of memory");
    struct stat existing;
    if (!rc && type != AE_IFDIR && lstat(full, &existing) == 0)
        rc = refuse("duplicate entry", raw);
    if (!rc) {
        archive_entry_set_pathname(e, full);
        if (hard)
            archive_entry_set_hardlink(e, hard);
        archive_entry_set_perm(e, archive_entry_perm(e) & 07777 & ~(mode_t)(S_ISUID | S_ISGID));
        if (archive_write_header(out, e) != ARCHIVE_OK)
            rc = pe_fail(archive_errno(out) == ENOSPC ? POCKETENV_EIO : POCKETENV_EUNSAFE,
                         "cannot extract %s: %s", raw, archive_error_string(out));
    }
    while (!rc && type == AE_IFREG && !hard) {
        la_ssize_t n = archive_read_data(in, buf, BLOCK);
        if (n < 0) {
            rc = pe_fail(POCKETENV_EPROTO, "corrupt or truncated archive at %s: %s", raw, archive_error_string(in));
        } else if (n == 0) {
            break;
        } else if ((*total += (uint64_t)n) > max_bytes) {
            rc = refuse("content exceeds the extraction limit", raw);
        } else if (archive_write_data(out, buf, (size_t)n) != n) {
            rc = pe_fail(POCKETENV_EIO, "cannot write %s: %s (%s)", raw,
                         archive_error_string(out) ? archive_error_string(out) : "write failed",
                         strerror(archive_errno(out) ? archive_errno(out) : EIO));
        }
    }
    if (!rc && archive_write_finish_entry(out) != ARCHIVE_OK)
        rc = pe_fail(POCKETENV_EIO, "cannot finish %s: %s (%s)", raw, archive_error_string(out),
                     strerror(archive_errno(out) ? archive_errno(out) : EIO));
    free(full);
    free(hard);
    free(name);
    free(raw);
    return rc;
}

int pe_extract_to_stage(int fd, const char *stage, uint64_t max_bytes)
{
    struct archive *in = archive_read_new(), *out = archive_write_disk_new();
    char *buf = malloc(BLOCK);
    int rc = 0;
    if (!max_bytes)
        max_bytes = DEFAULT_MAX_BYTES;
    if (!in || !out || !buf) {
        rc = pe_fail(POCKETENV_ENOMEM, "out of memory");
        goto done;
    }
    archive_read_support_filter_gzip(in);
    archive_read_support_filter_none(in);
    archive_read_support_format_tar(in);
    /* Entry names are validated above and prefixed with the (absolute) stage, so libarchive's
     * absolute-path check cannot be used; its ".." and symlink checks still guard every write. */
    archive_write_disk_set_options(out, ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                            ARCHIVE_EXTRACT_NO_OVERWRITE | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME);
    if (archive_read_open_fd(in, fd, BLOCK) != ARCHIVE_OK) {
        rc = pe_fail(POCKETENV_EPROTO, "not a tar.gz archive: %s", archive_error_string(in));
        goto done;
    }
    uint64_t total = 0;
    for (;;) {
        struct archive_entry *e;
        int r = archive_read_next_header(in, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            rc = pe_fail(POCKETENV_EPROTO, "corrupt or truncated archive: %s", archive_error_string(in));
            break;
        }
        if ((rc = extract_entry(in, out, e, stage, &total, max_bytes, buf)) != 0)
            break;
    }
    if (!rc && archive_write_close(out) != ARCHIVE_OK)
        rc = pe_fail(POCKETENV_EIO, "cannot finish extraction: %s", archive_error_string(out));
done:
    if (in)
        archive_read_free(in);
    if (out)
        archive_write_free(out);
    free(buf);
    return rc;
}

/* ------------------------------------------------------------------ placing */

int pe_rmtree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (S_ISDIR(st.st_mode)) {
        char **names;
        size_t count;
        chmod(path, 0700); /* a read-only directory from an archive must still be removable */
        if (pe_list_dir(path, &names, &count) == 0) {
            for (size_t i = 0; i < count; i++) {
                char *child = pe_strprintf("%s/%s", path, names[i]);
                if (child)
                    pe_rmtree(child);
                free(child);
            }
        }
        pe_free_names(names, count);
        return rmdir(path);
    }
    return unlink(path);
}

char *pe_make_stage(const char *near_path)
{
    char *copy = strdup(near_path);
    if (!copy)
        return NULL;
    /* canonical parent: libarchive refuses to write through any symlink on the path */
    char *parent = realpath(dirname(copy), NULL);
    free(copy);
    if (!parent) {
        pe_fail(POCKETENV_EIO, "cannot use the directory of %s: %s", near_path, strerror(errno));
        return NULL;
    }
    char *stage = pe_strprintf("%s/.pocketenv-partial-XXXXXX", parent);
    free(parent);
    if (stage && !mkdtemp(stage)) {
        pe_fail(POCKETENV_EIO, "cannot create a staging directory next to %s: %s", near_path, strerror(errno));
        free(stage);
        return NULL;
    }
    return stage;
}

/* Moves src onto dst: directories are merged (dst keeps what src lacks), files replaced. */
int pe_merge_into(const char *src, const char *dst)
{
    struct stat s, d;
    if (lstat(src, &s) != 0)
        return pe_fail(POCKETENV_EIO, "cannot read %s: %s", src, strerror(errno));
    if (lstat(dst, &d) != 0 || !S_ISDIR(s.st_mode) || !S_ISDIR(d.st_mode)) {
        if (lstat(dst, &d) == 0 && S_ISDIR(d.st_mode) && !S_ISDIR(s.st_mode))
            return pe_fail(POCKETENV_EIO, "cannot overwrite directory %s with a file", dst);
        if (rename(src, dst) != 0)
            return pe_fail(POCKETENV_EIO, "cannot move into place at %s: %s", dst, strerror(errno));
        return 0;
    }
    char **names;
    size_t count;
    int rc = pe_list_dir(src, &names, &count);
    for (size_t i = 0; !rc && i < count; i++) {
        char *a = pe_strprintf("%s/%s", src, names[i]), *b = pe_strprintf("%s/%s", dst, names[i]);
        rc = a && b ? pe_merge_into(a, b) : pe_fail(POCKETENV_ENOMEM, "out of memory");
        free(a);
        free(b);
    }
    pe_free_names(names, count);
    if (!rc)
        chmod(dst, s.st_mode & 07777);
    return rc;
}

int pocketenv_archive_extract_fd(int fd, const char *dest, uint64_t max_bytes)
{
    if (!dest || !*dest)
        return pe_fail(POCKETENV_EINVAL, "destination is empty");
    char *stage = pe_make_stage(dest);
    if (!stage)
        return pocketenv_error_last()->code ? pocketenv_error_last()->code : POCKETENV_ENOMEM;
    int rc = pe_extract_to_stage(fd, stage, max_bytes);
    if (!rc && chmod(stage, 0755) != 0) /* mkdtemp made it 0700; it may become dest itself */
        rc = pe_fail(POCKETENV_EIO, "cannot set permissions on %s: %s", stage, strerror(errno));
    if (!rc)
        rc = pe_merge_into(stage, dest);
    pe_rmtree(stage);
    free(stage);
    return rc;
}
