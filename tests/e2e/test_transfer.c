/*
 * Transfers end to end (upload, download, copy between sandboxes through a real pocketenvd) and
 * the extractor against hostile archives built here with libarchive.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../support/check.h"
#include "../support/harness.h"

static pe_test_server srv;
static pocketenv_client *cli;
static pocketenv_sandbox *sb, *other;
static char work[64];

/* Shell commands name the work directory as "$W". */
static void sh(const char *cmd)
{
    if (pe_test_sh(cmd, NULL) != 0)
        fail_msg("command failed: %s", cmd);
}

static int setup(void **state)
{
    (void)state;
    snprintf(work, sizeof work, "/tmp/pe-xfer-XXXXXX");
    if (!mkdtemp(work) || setenv("W", work, 1) != 0 || pe_test_server_start(&srv, NULL) != 0 || !(cli = pe_test_client(&srv, NULL)))
        return -1;
    pocketenv_create_options o = POCKETENV_CREATE_OPTIONS_INIT;
    o.name = "xfer-a";
    if (pocketenv_sandbox_create(cli, &sb, &o))
        return -1;
    o.name = "xfer-b";
    return pocketenv_sandbox_create(cli, &other, &o) ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    pocketenv_sandbox_delete(cli, sb);
    pocketenv_sandbox_delete(cli, other);
    pocketenv_sandbox_free(sb);
    pocketenv_sandbox_free(other);
    pocketenv_client_free(cli);
    int rc = pe_test_server_cleanup(&srv);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", work);
    return system(cmd) == 0 ? rc : -1;
}

static char *run(pocketenv_sandbox *s, const char *cmd)
{
    pocketenv_exec_result *r = NULL;
    OK(pocketenv_sandbox_exec(cli, s, cmd, &r));
    if (r->exit_code != 0)
        fail_msg("'%s' exited %lld: %s", cmd, (long long)r->exit_code, r->stderr_text);
    char *out = strdup(r->stdout_text);
    pocketenv_exec_result_free(r);
    return out;
}

static char *local(const char *cmd)
{
    char *out = NULL;
    if (pe_test_sh(cmd, &out) != 0)
        fail_msg("local command failed: %s", cmd);
    return out;
}

/* Lists a tree as "path type" lines, sorted, for comparison on both sides. */

static void make_tree(void)
{
    sh("mkdir -p $W/src/sub/build $W/src/build $W/src/.git $W/src/empty");
    sh("cd $W/src && echo alpha > a.txt && printf '#!/bin/sh\\necho run\\n' > sub/b.sh && chmod 755 sub/b.sh && "
       "ln -s a.txt link && printf '*.log\\n/build/\\n' > .gitignore && echo noise > x.log && echo out > build/out && "
       "echo keep > sub/build/keep && echo git > .git/config && echo secret.txt > .pocketenvignore && "
       "echo hidden > secret.txt && echo 'with space' > 'name with space.txt'");
}

static void upload_download_round_trip(void **state)
{
    (void)state;
    make_tree();
    char src[128], back[128];
    snprintf(src, sizeof src, "%s/src", work);
    snprintf(back, sizeof back, "%s/back", work);
    OK(pocketenv_sandbox_upload(cli, sb, src, "/workspace/proj dir", NULL));
    char *remote = run(sb, "cd '/workspace/proj dir' && find . -mindepth 1 \\( -type l -printf '%p -> %l\\n' \\) -o "
                           "\\( ! -type l -printf '%p %y %m\\n' \\) | sort");
    /* ignored: *.log, /build/ (anchored: sub/build stays), .git/, secret.txt */
    assert_null(strstr(remote, "x.log"));
    assert_null(strstr(remote, "./build"));
    assert_null(strstr(remote, ".git/"));
    assert_null(strstr(remote, "./secret.txt"));
    CONTAINS(remote, "./sub/build/keep f");
    CONTAINS(remote, "./sub/b.sh f 755");
    CONTAINS(remote, "./link -> a.txt");
    CONTAINS(remote, "./empty d");
    CONTAINS(remote, "./name with space.txt f");
    OK(pocketenv_sandbox_download(cli, sb, "/workspace/proj dir", back, NULL));
    char cmd[512];
    snprintf(cmd, sizeof cmd, "cd '%s' && find . -mindepth 1 \\( -type l -printf '%%p -> %%l\\n' \\) -o "
                              "\\( ! -type l -printf '%%p %%y %%m\\n' \\) | sort", back);
    char *local_list = NULL;
    assert_int_equal(pe_test_sh(cmd, &local_list), 0);
    assert_string_equal(local_list, remote); /* the same tree, modes and links on both sides */
    free(local_list);
    free(remote);
    char *content = local("cat $W/back/a.txt");
    assert_string_equal(content, "alpha\n");
    free(content);
}

static void single_file_lands_at_the_named_path(void **state)
{
    (void)state;
    sh("echo '{\"k\": 1}' > $W/config.json");
    char path[128], dest[128];
    snprintf(path, sizeof path, "%s/config.json", work);
    OK(pocketenv_sandbox_upload(cli, sb, path, "/app/config.json", NULL));
    char *out = run(sb, "test -f /app/config.json && cat /app/config.json");
    assert_string_equal(out, "{\"k\": 1}\n");
    free(out);
    snprintf(dest, sizeof dest, "%s/fetched.json", work);
    OK(pocketenv_sandbox_download(cli, sb, "/app/config.json", dest, NULL));
    out = local("cat $W/fetched.json");
    assert_string_equal(out, "{\"k\": 1}\n");
    free(out);
    /* into an existing directory: the file keeps its name there */
    sh("mkdir -p $W/into");
    snprintf(dest, sizeof dest, "%s/into", work);
    OK(pocketenv_sandbox_download(cli, sb, "/app/config.json", dest, NULL));
    out = local("cat $W/into/config.json");
    assert_string_equal(out, "{\"k\": 1}\n");
    free(out);
    FAILS_WITH(POCKETENV_EINVAL, pocketenv_sandbox_upload(cli, sb, path, "relative/path", NULL));
}

static void copy_between_sandboxes(void **state)
{
    (void)state;
    free(run(sb, "mkdir -p /workspace/data/in && echo one > /workspace/data/in/f && chmod 700 /workspace/data/in"));
    OK(pocketenv_sandbox_copy_to(cli, sb, other, "/workspace/data", "/srv/copied", NULL));
    char *out = run(other, "cat /srv/copied/in/f && stat -c %a /srv/copied/in");
    assert_string_equal(out, "one\n700\n");
    free(out);
    OK(pocketenv_sandbox_copy_to(cli, sb, other, "/workspace/data", "/workspace/data", NULL));
    out = run(other, "cat /workspace/data/in/f");
    assert_string_equal(out, "one\n");
    free(out);
}

static void missing_remote_path_fails_and_leaves_nothing(void **state)
{
    (void)state;
    char dest[128];
    snprintf(dest, sizeof dest, "%s/nothing", work);
    FAILS_WITH(POCKETENV_EHTTP, pocketenv_sandbox_download(cli, sb, "/no/such/dir", dest, NULL));
    CONTAINS(pocketenv_error_last()->message, "/no/such/dir");
    assert_int_not_equal(access(dest, F_OK), 0);
    char *left = local("ls -a $W | grep -c pocketenv-partial || true");
    assert_string_equal(left, "0\n");
    free(left);
}

/* A storage host that cannot be reached, or that refuses, is reported as such: not as the
 * archive writer's broken pipe that follows from it. */
static void storage_failures_name_the_storage(void **state)
{
    (void)state;
    char src[128], bad_path[256];
    sh("mkdir -p $W/to-store && head -c 3000000 /dev/urandom > $W/to-store/blob"); /* more than a pipe holds */
    snprintf(src, sizeof src, "%s/to-store", work);
    snprintf(bad_path, sizeof bad_path, "%s/no-such-prefix", srv.url);
    const char *urls[] = { "http://127.0.0.1:1", bad_path };
    const int codes[] = { POCKETENV_ENET, POCKETENV_ENOTFOUND };
    for (int i = 0; i < 2; i++) {
        pocketenv_client_options o = POCKETENV_CLIENT_OPTIONS_INIT;
        o.api_url = srv.url;
        o.storage_url = urls[i];
        o.public_key_hex = srv.public_key;
        o.token = srv.token;
        o.token_file = "/nonexistent";
        pocketenv_client *c = NULL;
        OK(pocketenv_client_new(&c, &o));
        FAILS_WITH(codes[i], pocketenv_sandbox_upload(c, sb, src, "/workspace/elsewhere", NULL));
        char want[300];
        snprintf(want, sizeof want, "upload to storage %s failed", urls[i]);
        CONTAINS(pocketenv_error_last()->message, want);
        pocketenv_client_free(c);
    }
}

static int count_progress(uint64_t bytes, void *payload)
{
    uint64_t *last = payload;
    if (bytes < *last)
        return 1; /* progress must never go backwards */
    *last = bytes;
    return 0;
}

static int cancel_progress(uint64_t bytes, void *payload)
{
    (void)payload;
    return bytes > 0;
}

static void progress_and_cancel(void **state)
{
    (void)state;
    sh("mkdir -p $W/big && head -c 4000000 /dev/urandom > $W/big/blob");
    char src[128], dest[128];
    snprintf(src, sizeof src, "%s/big", work);
    uint64_t last = 0;
    pocketenv_transfer_options o = POCKETENV_TRANSFER_OPTIONS_INIT;
    o.progress = count_progress;
    o.payload = &last;
    OK(pocketenv_sandbox_upload(cli, sb, src, "/workspace/big", &o));
    assert_true(last >= 4000000);
    snprintf(dest, sizeof dest, "%s/big-back", work);
    o.progress = cancel_progress;
    FAILS_WITH(POCKETENV_ECANCELED, pocketenv_sandbox_download(cli, sb, "/workspace/big", dest, &o));
    assert_int_not_equal(access(dest, F_OK), 0);
    char *left = local("ls -a $W | grep -c pocketenv-partial || true");
    assert_string_equal(left, "0\n");
    free(left);
}

static void full_disk_leaves_nothing(void **state)
{
    (void)state;
    if (getuid() != 0)
        skip(); /* needs a small tmpfs */
    sh("mkdir -p $W/small && mount -t tmpfs -o size=1m tmpfs $W/small");
    free(run(sb, "head -c 3000000 /dev/urandom > /workspace/three-megabytes"));
    char dest[128];
    snprintf(dest, sizeof dest, "%s/small/file", work);
    int rc = pocketenv_sandbox_download(cli, sb, "/workspace/three-megabytes", dest, NULL);
    char message[1024];
    snprintf(message, sizeof message, "%s", pocketenv_error_last()->message);
    char *left = local("ls -A $W/small | wc -l");
    sh("umount $W/small");
    assert_int_equal(rc, POCKETENV_EIO);
    CONTAINS(message, "No space left on device");
    assert_string_equal(left, "0\n"); /* nothing partial: no file, no staging directory */
    free(left);
}

/* ---------------------------------------------------------------- hostile archives */

typedef struct entry {
    const char *name;
    mode_t type;
    const char *link;  /* symlink or hardlink target */
    int hard;
    int64_t size;      /* declared size; data is written only when content is set */
    const char *content;
} entry;

/* Writes a tar.gz with exactly these entries into path. */
static void build_archive(const char *path, const entry *e, size_t n, int truncate_at)
{
    struct archive *a = archive_write_new();
    archive_write_add_filter_gzip(a);
    archive_write_set_format_pax_restricted(a);
    assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *ae = archive_entry_new();
        archive_entry_set_pathname(ae, e[i].name);
        archive_entry_set_filetype(ae, e[i].type);
        archive_entry_set_perm(ae, 0644);
        if (e[i].link && e[i].hard)
            archive_entry_set_hardlink(ae, e[i].link);
        else if (e[i].link)
            archive_entry_set_symlink(ae, e[i].link);
        archive_entry_set_size(ae, e[i].content ? (int64_t)strlen(e[i].content) : e[i].size);
        archive_write_header(a, ae);
        if (e[i].content)
            archive_write_data(a, e[i].content, strlen(e[i].content));
        archive_entry_free(ae);
    }
    archive_write_close(a);
    archive_write_free(a);
    if (truncate_at > 0)
        assert_int_equal(truncate(path, truncate_at), 0);
}

/* Extracts path into <work>/dest and returns the result code; checks nothing escaped. */
static int extract(const char *archive, uint64_t max)
{
    char dest[128];
    snprintf(dest, sizeof dest, "%s/dest", work);
    int fd = open(archive, O_RDONLY);
    assert_true(fd >= 0);
    int rc = pocketenv_archive_extract_fd(fd, dest, max);
    close(fd);
    return rc;
}

static void assert_nothing_written(void)
{
    char *out = local("ls -a $W | grep -E '^(dest|evil|escaped|\\.pocketenv-partial)' | wc -l");
    assert_string_equal(out, "0\n");
    free(out);
    assert_int_not_equal(access("/tmp/pe-evil-abs", F_OK), 0);
}

static void hostile_archives_are_refused(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/case.tar.gz.in", work);
    sh("rm -rf $W/dest");
    const struct {
        const char *what;
        entry e[3];
        size_t n;
        int expect;
    } cases[] = {
        { "dot-dot", { { "ok.txt", AE_IFREG, NULL, 0, 0, "fine" }, { "../escaped", AE_IFREG, NULL, 0, 0, "x" } }, 2, POCKETENV_EUNSAFE },
        { "nested dot-dot", { { "a/../../escaped", AE_IFREG, NULL, 0, 0, "x" } }, 1, POCKETENV_EUNSAFE },
        { "absolute", { { "/tmp/pe-evil-abs", AE_IFREG, NULL, 0, 0, "x" } }, 1, POCKETENV_EUNSAFE },
        { "absolute symlink then write through it",
          { { "link", AE_IFLNK, "/tmp", 0, 0, NULL }, { "link/pe-evil-abs", AE_IFREG, NULL, 0, 0, "x" } }, 2, POCKETENV_EUNSAFE },
        { "relative symlink out", { { "up", AE_IFLNK, "../..", 0, 0, NULL } }, 1, POCKETENV_EUNSAFE },
        { "symlink inside then write through it",
          { { "d/x", AE_IFREG, NULL, 0, 0, "x" }, { "l", AE_IFLNK, "d", 0, 0, NULL }, { "l/y", AE_IFREG, NULL, 0, 0, "y" } }, 3, POCKETENV_EUNSAFE },
        { "hard link out", { { "h", AE_IFREG, "../../etc/passwd", 1, 0, NULL } }, 1, POCKETENV_EUNSAFE },
        { "fifo", { { "pipe", AE_IFIFO, NULL, 0, 0, NULL } }, 1, POCKETENV_EUNSAFE },
        { "device", { { "disk", AE_IFBLK, NULL, 0, 0, NULL } }, 1, POCKETENV_EUNSAFE },
        { "duplicate entry", { { "same", AE_IFREG, NULL, 0, 0, "one" }, { "same", AE_IFREG, NULL, 0, 0, "two" } }, 2, POCKETENV_EUNSAFE },
        { "huge declared size", { { "huge", AE_IFREG, NULL, 0, 32LL << 20, NULL } }, 1, POCKETENV_EUNSAFE },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        build_archive(path, cases[i].e, cases[i].n, 0);
        int rc = extract(path, 1 << 20);
        if (rc != cases[i].expect)
            fail_msg("case '%s': got %d (%s), expected %d", cases[i].what, rc, pocketenv_error_last()->message,
                     cases[i].expect);
        assert_true(strlen(pocketenv_error_last()->message) > 10);
        assert_nothing_written();
    }
}

static void bombs_and_truncation(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/bomb.tar.gz.in", work);
    /* a gzip bomb: 64 MiB of zeros compress to ~64 KiB; the limit is 8 MiB */
    sh("cd $W && head -c 67108864 /dev/zero > zeros && tar -czf bomb.tar.gz.in zeros && rm zeros");
    FAILS_WITH(POCKETENV_EUNSAFE, extract(path, 8u << 20));
    CONTAINS(pocketenv_error_last()->message, "limit");
    assert_nothing_written();
    /* truncated archive */
    entry e[] = { { "a", AE_IFREG, NULL, 0, 0, "0123456789012345678901234567890123456789" } };
    build_archive(path, e, 1, 60);
    int rc = extract(path, 0);
    assert_true(rc == POCKETENV_EPROTO || rc == POCKETENV_EIO);
    assert_nothing_written();
    /* not an archive at all */
    sh("echo 'this is not gzip' > $W/bomb.tar.gz.in");
    FAILS_WITH(POCKETENV_EPROTO, extract(path, 0));
    assert_nothing_written();
    /* and a good archive still extracts, merging into an existing directory */
    entry good[] = { { "dir/file", AE_IFREG, NULL, 0, 0, "content" }, { "dir/link", AE_IFLNK, "file", 0, 0, NULL } };
    build_archive(path, good, 2, 0);
    sh("mkdir -p $W/dest && echo kept > $W/dest/existing");
    OK(extract(path, 0));
    char *out = local("cat $W/dest/dir/link $W/dest/existing");
    assert_string_equal(out, "contentkept\n");
    free(out);
    sh("rm -rf $W/dest");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(upload_download_round_trip),
        cmocka_unit_test(single_file_lands_at_the_named_path),
        cmocka_unit_test(copy_between_sandboxes),
        cmocka_unit_test(missing_remote_path_fails_and_leaves_nothing),
        cmocka_unit_test(storage_failures_name_the_storage),
        cmocka_unit_test(progress_and_cancel),
        cmocka_unit_test(full_disk_leaves_nothing),
        cmocka_unit_test(hostile_archives_are_refused),
        cmocka_unit_test(bombs_and_truncation),
    };
    return cmocka_run_group_tests_name("transfers end to end", tests, setup, teardown);
}
