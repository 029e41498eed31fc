/* Unit tests of pure functions: decoding, redaction, quoting, sealing, ignore rules, errors. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../support/check.h"
#include "lib/internal.h"
#include "server/plain_command.h"

static json_t *parse(const char *text)
{
    json_t *j = NULL;
    if (pe_parse_json(text, strlen(text), &j))
        fail_msg("bad test JSON: %s", text);
    return j;
}

/* ---------------------------------------------------------------- decoding */

static void sandbox_full_and_sparse(void **state)
{
    (void)state;
    json_t *j = parse("{\"id\":\"sbx_1\",\"name\":\"n\",\"provider\":\"cloudflare\",\"displayName\":null,"
                      "\"topics\":[\"a\",\"b\"],\"status\":\"INITIALIZING\",\"vcpus\":2,\"memory\":null,"
                      "\"installs\":3,\"owner\":{\"did\":\"did:plc:x\",\"handle\":\"h\"},\"extra\":{\"x\":1}}");
    pocketenv_sandbox s;
    OK(pe_decode(&pe_type_sandbox, j, &s));
    assert_string_equal(s.id, "sbx_1");
    assert_null(s.display_name);
    assert_int_equal(s.topics_count, 2);
    assert_string_equal(s.topics[1], "b");
    assert_int_equal(s.status, POCKETENV_STATUS_INITIALIZING);
    assert_string_equal(s.status_raw, "INITIALIZING");
    assert_int_equal(s.vcpus, 2);
    assert_int_equal(s.memory, POCKETENV_NONE);
    assert_int_equal(s.disk, POCKETENV_NONE);
    assert_string_equal(s.owner->handle, "h");
    assert_null(s.owner->id);
    pe_free_members(&pe_type_sandbox, &s);
    json_decref(j);

    j = parse("{}");
    OK(pe_decode(&pe_type_sandbox, j, &s));
    assert_null(s.id);
    assert_int_equal(s.status, POCKETENV_STATUS_UNKNOWN);
    assert_null(s.owner);
    pe_free_members(&pe_type_sandbox, &s);
    json_decref(j);
}

static void unknown_status_is_kept(void **state)
{
    (void)state;
    assert_int_equal(pocketenv_status_from_string("PAUSED"), POCKETENV_STATUS_OTHER);
    assert_int_equal(pocketenv_status_from_string(NULL), POCKETENV_STATUS_UNKNOWN);
    assert_int_equal(pocketenv_status_from_string("STOPPED"), POCKETENV_STATUS_STOPPED);
    json_t *j = parse("{\"status\":\"PAUSED\"}");
    pocketenv_sandbox s;
    OK(pe_decode(&pe_type_sandbox, j, &s));
    assert_int_equal(s.status, POCKETENV_STATUS_OTHER);
    assert_string_equal(s.status_raw, "PAUSED");
    pe_free_members(&pe_type_sandbox, &s);
    json_decref(j);
}

static void wrong_types_are_protocol_errors(void **state)
{
    (void)state;
    const char *bad[] = { "{\"id\":5}", "{\"topics\":\"x\"}", "{\"topics\":[1]}", "{\"vcpus\":\"2\"}",
                          "{\"owner\":[]}", "[]", "\"text\"" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *j = parse(bad[i]);
        pocketenv_sandbox s;
        FAILS_WITH(POCKETENV_EPROTO, pe_decode(&pe_type_sandbox, j, &s));
        assert_null(s.id); /* nothing half-filled is left */
        assert_null(s.topics);
        json_decref(j);
    }
    FAILS_WITH(POCKETENV_EPROTO, pe_parse_json("{\"a\":", 5, &(json_t *){ NULL }));
    CONTAINS(pocketenv_error_last()->message, "malformed JSON");
}

static void exec_result_missing_fields(void **state)
{
    (void)state;
    json_t *j = parse("{\"stdout\":\"x\",\"success\":true}"); /* Daytona omits stderr; no exitCode */
    pocketenv_exec_result r;
    OK(pe_decode(&pe_type_exec, j, &r));
    assert_string_equal(r.stdout_text, "x");
    assert_null(r.stderr_text);
    assert_int_equal(r.exit_code, POCKETENV_NONE); /* unknown, never "success" */
    pe_free_members(&pe_type_exec, &r);
    json_decref(j);
}

static void lists_and_fallbacks(void **state)
{
    (void)state;
    json_t *j = parse("{\"secrets\":[{\"id\":\"secret_1\",\"name\":\"A\",\"createdAt\":\"t\"},{\"id\":\"secret_2\"}],\"total\":7}");
    pocketenv_secrets l;
    OK(pe_decode_list(&pe_type_secret, j, "secrets", &l));
    assert_int_equal(l.count, 2);
    assert_int_equal(l.total, 7);
    assert_null(l.items[1].name);
    pocketenv_secrets_free(&l);
    json_decref(j);
    /* the server's error fallback uses another key and no total: an empty list */
    j = parse("{\"sandboxes\":[]}");
    OK(pe_decode_list(&pe_type_secret, j, "secrets", &l));
    assert_int_equal(l.count, 0);
    assert_int_equal(l.total, POCKETENV_NONE);
    pocketenv_secrets_free(&l);
    json_decref(j);
    j = parse("{\"secrets\":{}}");
    FAILS_WITH(POCKETENV_EPROTO, pe_decode_list(&pe_type_secret, j, "secrets", &l));
    json_decref(j);
    j = parse("{\"secrets\":[{\"id\":1}]}");
    FAILS_WITH(POCKETENV_EPROTO, pe_decode_list(&pe_type_secret, j, "secrets", &l));
    assert_null(l.items);
    json_decref(j);
}

static void every_shape_round_trips(void **state)
{
    (void)state;
    const pe_type *types[] = { &pe_type_profile, &pe_type_sandbox, &pe_type_port, &pe_type_exec, &pe_type_secret,
                               &pe_type_variable, &pe_type_file, &pe_type_volume, &pe_type_service,
                               &pe_type_ssh_keys, &pe_type_tailscale, &pe_type_backup };
    const char *text = "{\"id\":\"i\",\"name\":\"n\",\"did\":\"d\",\"handle\":\"h\",\"port\":1025,\"path\":\"/p\","
                       "\"value\":\"v\",\"command\":\"c\",\"status\":\"RUNNING\",\"ports\":[1,2],\"topics\":[\"t\"],"
                       "\"privateKey\":\"k\",\"publicKey\":\"p\",\"authKey\":\"a\",\"directory\":\"/d\","
                       "\"expiresAt\":\"e\",\"createdAt\":\"c\",\"updatedAt\":\"u\",\"stdout\":\"o\",\"exitCode\":0}";
    json_t *j = parse(text);
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        void *a = malloc(types[i]->size), *b = malloc(types[i]->size);
        OK(pe_decode(types[i], j, a));
        json_t *enc = pe_encode(types[i], a);
        OK(pe_decode(types[i], enc, b));
        json_t *enc2 = pe_encode(types[i], b);
        assert_true(json_equal(enc, enc2)); /* decode(encode(x)) == x for every wire type */
        for (size_t k = 0; k < types[i]->nfields; k++) /* every field the fixture has survives */
            if (json_object_get(j, types[i]->fields[k].key))
                assert_non_null(json_object_get(enc, types[i]->fields[k].key));
        json_decref(enc);
        json_decref(enc2);
        pe_free_members(types[i], a);
        pe_free_members(types[i], b);
        free(a);
        free(b);
    }
    json_decref(j);
}

/* ---------------------------------------------------------------- redaction */

static void tailscale_redaction_edges(void **state)
{
    (void)state;
    char *r = pocketenv_redact_tailscale_key("tskey-auth-a"); /* 12: unchanged */
    assert_string_equal(r, "tskey-auth-a");
    free(r);
    r = pocketenv_redact_tailscale_key("tskey-auth-abc"); /* 14: unchanged */
    assert_string_equal(r, "tskey-auth-abc");
    free(r);
    r = pocketenv_redact_tailscale_key("tskey-auth-abcd"); /* 15: one star */
    assert_string_equal(r, "tskey-auth-*bcd");
    free(r);
    r = pocketenv_redact_tailscale_key("tskey-auth-abcde"); /* 16: two stars */
    assert_string_equal(r, "tskey-auth-**cde");
    free(r);
}

static char *pem(const char *body)
{
    return pe_strprintf("-----BEGIN OPENSSH PRIVATE KEY-----\n%s\n-----END OPENSSH PRIVATE KEY-----\n", body);
}

static void ssh_redaction_edges(void **state)
{
    (void)state;
    char *k = pem("abcdefghijklmno"), *r = pocketenv_redact_ssh_private_key(k); /* 15: unmasked */
    assert_string_equal(r, "-----BEGIN OPENSSH PRIVATE KEY-----\\nabcdefghijklmno\\n-----END OPENSSH PRIVATE KEY-----");
    free(k);
    free(r);
    k = pem("abcdefghijklmnop"); /* 16: one masked, the final newline dropped */
    r = pocketenv_redact_ssh_private_key(k);
    assert_string_equal(r, "-----BEGIN OPENSSH PRIVATE KEY-----\\nabcdefghij*lmnop\\n-----END OPENSSH PRIVATE KEY-----");
    free(k);
    free(r);
    k = pem("abcdefgh\nijklmnopqrst"); /* newlines stay and do not count */
    r = pocketenv_redact_ssh_private_key(k);
    assert_string_equal(r, "-----BEGIN OPENSSH PRIVATE KEY-----\\nabcdefgh\\nij*****pqrst\\n-----END OPENSSH PRIVATE KEY-----");
    free(k);
    free(r);
    k = pem("abcdefghij\r\nklmnopqrst"); /* CR is masked like any character */
    r = pocketenv_redact_ssh_private_key(k);
    assert_string_equal(r, "-----BEGIN OPENSSH PRIVATE KEY-----\\nabcdefghij*\\n*****pqrst\\n-----END OPENSSH PRIVATE KEY-----");
    free(k);
    free(r);
    r = pocketenv_redact_ssh_private_key("no header\nat all"); /* unmasked, newlines escaped */
    assert_string_equal(r, "no header\\nat all");
    free(r);
    k = pe_strprintf("junk before\n%s", "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\ntrailer");
    r = pocketenv_redact_ssh_private_key(k);
    assert_string_equal(r, "-----BEGIN OPENSSH PRIVATE KEY-----\\nx\\n-----END OPENSSH PRIVATE KEY-----");
    free(k);
    free(r);
}

/* ---------------------------------------------------------------- quoting */

static void shell_quoting(void **state)
{
    (void)state;
    char *q = pocketenv_shell_quote("it's $(x)");
    assert_string_equal(q, "'it'\\''s $(x)'");
    free(q);
    q = pocketenv_shell_quote("");
    assert_string_equal(q, "''");
    free(q);
    const char *argv[] = { "echo", "a b", "'" };
    q = pocketenv_shell_join(3, argv);
    assert_string_equal(q, "'echo' 'a b' ''\\'''");
    free(q);
    assert_null(pocketenv_shell_join(0, argv));
    /* what /bin/sh makes of it is exactly the words */
    const char *hard[] = { "printf", "<%s>", "a\"b", "$HOME", "`id`", "x\ny", "\\" };
    char *line = pocketenv_shell_join(7, hard);
    char *inner = pocketenv_shell_quote(line);
    char *cmd = pe_strprintf("sh -c %s", inner);
    FILE *p = popen(cmd, "r");
    char out[256] = "";
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    pclose(p);
    assert_string_equal(out, "<a\"b><$HOME><`id`><x\ny><\\>");
    free(inner);
    free(cmd);
    free(line);
}

/* Which command lines skip the shell, and the words they become: each plain line is checked
 * against what /bin/sh itself makes of it. */
static void plain_command_lines(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        size_t words;
    } cases[] = {
        { "ls -la /tmp", 3 },        { "  python3\tapp.py  ", 2 }, { "'echo' 'a b' ''\\'''", 0 },
        { "'/usr/bin/printf' '%s|' 'a b' ''", 4 }, { "env A=1 B=x:y@z", 3 }, { "A=1 env", 0 },
        { "'printf' x", 0 },
        { "echo hi", 0 },            { "cd /", 0 },                { "true", 0 },
        { "if", 0 },                 { "ls *", 0 },                { "ls ~", 0 },
        { "ls $HOME", 0 },           { "ls; ls", 0 },              { "ls > f", 0 },
        { "ls # c", 0 },             { "ls \"a\"", 0 },            { "ls a\\ b", 0 },
        { "ls 'unclosed", 0 },       { "ls\nls", 0 },              { "", 0 },
        { "   ", 0 },                { "ls 'a\nb'", 2 },           { "l's'", 1 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char buf[128], *words[8];
        size_t n = pe_plain_command(cases[i].line, buf, sizeof buf, words, 7);
        if (n != cases[i].words)
            fail_msg("%s: %zu words, expected %zu", cases[i].line, n, cases[i].words);
        if (!n)
            continue;
        assert_null(words[n]);
        /* the shell's own split of the same line must give the same words */
        pe_buf want = { 0 }, got = { 0 };
        char *script = pe_strprintf("set -- %s; for w; do printf '<%%s>' \"$w\"; done", cases[i].line);
        FILE *p = popen(script, "r");
        char chunk[256];
        size_t k;
        while ((k = fread(chunk, 1, sizeof chunk, p)) > 0)
            pe_buf_append(&want, chunk, k);
        pclose(p);
        for (size_t w = 0; w < n; w++) {
            char *piece = pe_strprintf("<%s>", words[w]);
            pe_buf_puts(&got, piece);
            free(piece);
        }
        pe_buf_append(&got, "", 1);
        pe_buf_append(&want, "", 1);
        assert_string_equal(got.data, want.data);
        pe_buf_free(&want);
        pe_buf_free(&got);
        free(script);
    }
    char small[4], big[32], *w[8];
    assert_int_equal(pe_plain_command("ls -la", small, sizeof small, w, 7), 0);     /* buffer too small */
    assert_int_equal(pe_plain_command("a b c d e f g h", big, sizeof big, w, 7), 0); /* too many words */
}

static void programs_are_found_like_the_shell(void **state)
{
    (void)state;
    char out[256];
    assert_int_equal(pe_find_program("sh", "/nonexistent:/bin", out, sizeof out), 0);
    assert_string_equal(out, "/bin/sh");
    assert_int_equal(pe_find_program("/bin/sh", NULL, out, sizeof out), 0);
    assert_string_equal(out, "/bin/sh");
    assert_int_equal(pe_find_program("no-such-program-here", "/bin", out, sizeof out), -1);
    assert_int_equal(pe_find_program("sh", "relative:/bin", out, sizeof out), -1); /* the shell decides */
    assert_int_equal(pe_find_program("sh", ":/bin", out, sizeof out), -1);
    assert_int_equal(pe_find_program("bin/sh", "/", out, sizeof out), -1);
    assert_int_equal(pe_find_program("passwd", "/etc", out, sizeof out), -1); /* not executable */
    assert_int_equal(pe_find_program("sh", "/bin", out, 4), -1);               /* too long */
}

/* ---------------------------------------------------------------- sealing */

static void seal_round_trip(void **state)
{
    (void)state;
    unsigned char pk[32], sk[32], pk2[32], sk2[32];
    char hex[65];
    crypto_box_keypair(pk, sk);
    crypto_box_keypair(pk2, sk2);
    pe_hex_encode(pk, 32, hex);
    const char *msg = "correct horse battery staple";
    char *sealed = pocketenv_seal(hex, msg, strlen(msg));
    assert_non_null(sealed);
    size_t bytes = strlen(msg) + 48;
    assert_int_equal(strlen(sealed), (bytes * 4 + 2) / 3); /* base64 without padding */
    assert_null(strpbrk(sealed, "=+/"));
    size_t len = 0;
    char *open = pocketenv_unseal(pk, sk, sealed, &len);
    assert_string_equal(open, msg);
    assert_int_equal(len, strlen(msg));
    free(open);
    assert_null(pocketenv_unseal(pk2, sk2, sealed, NULL)); /* another key cannot open it */
    char *again = pocketenv_seal(hex, msg, strlen(msg));
    assert_string_not_equal(again, sealed); /* randomized */
    free(again);
    sealed[10] = sealed[10] == 'A' ? 'B' : 'A';
    assert_null(pocketenv_unseal(pk, sk, sealed, NULL)); /* tampering is detected */
    free(sealed);
    assert_null(pocketenv_unseal(pk, sk, "not base64!", NULL));
    assert_null(pocketenv_seal("zz", msg, 1));
    assert_int_equal(pocketenv_error_last()->code, POCKETENV_EINVAL);
}

static void ssh_keygen_format(void **state)
{
    (void)state;
    char *priv = NULL, *pub = NULL;
    OK(pocketenv_ssh_keygen_ed25519("me@host", &priv, &pub));
    assert_true(!strncmp(priv, "-----BEGIN OPENSSH PRIVATE KEY-----\n", 36));
    CONTAINS(priv, "\n-----END OPENSSH PRIVATE KEY-----\n");
    assert_true(!strncmp(pub, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5", 32));
    CONTAINS(pub, " me@host");
    /* ssh-keygen accepts the private key and derives the same public key, when it is installed */
    if (system("command -v ssh-keygen >/dev/null 2>&1") == 0) {
        char path[] = "/tmp/pe-key-XXXXXX";
        int fd = mkstemp(path);
        assert_true(write(fd, priv, strlen(priv)) == (ssize_t)strlen(priv));
        close(fd);
        char *cmd = pe_strprintf("ssh-keygen -y -f %s", path), out[512] = "";
        FILE *p = popen(cmd, "r");
        size_t n = fread(out, 1, sizeof out - 1, p);
        out[n] = '\0';
        pclose(p);
        unlink(path);
        free(cmd);
        assert_true(!strncmp(out, pub, strlen("ssh-ed25519 ") + 68));
    }
    free(priv);
    free(pub);
}

/* ---------------------------------------------------------------- ignore rules */

static void glob_patterns(void **state)
{
    (void)state;
    assert_true(pocketenv_glob_match("*.log", "a/b/x.log"));
    assert_false(pocketenv_glob_match("*.log", "a/x.logs"));
    assert_true(pocketenv_glob_match("/build", "build"));
    assert_false(pocketenv_glob_match("/build", "sub/build"));
    assert_true(pocketenv_glob_match("build", "sub/build"));
    assert_true(pocketenv_glob_match("**/cache", "a/b/cache"));
    assert_true(pocketenv_glob_match("**/cache", "cache"));
    assert_true(pocketenv_glob_match("docs/**", "docs/a/b"));
    assert_true(pocketenv_glob_match("a/**/z", "a/z"));
    assert_true(pocketenv_glob_match("a/**/z", "a/b/c/z"));
    assert_false(pocketenv_glob_match("a/*/z", "a/b/c/z"));
    assert_true(pocketenv_glob_match("file[0-9].txt", "file7.txt"));
    assert_false(pocketenv_glob_match("file[!0-9].txt", "file7.txt"));
    assert_true(pocketenv_glob_match("?.c", "x.c"));
    assert_false(pocketenv_glob_match("?.c", "xy.c"));
    assert_true(pocketenv_glob_match("\\*star", "*star"));
    /* a pathological pattern finishes (budget-limited) */
    assert_false(pocketenv_glob_match("*a*a*a*a*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

static void ignore_rules(void **state)
{
    (void)state;
    pe_ignore *ig = pe_ignore_new();
    OK(pe_ignore_add(ig, "", "# comment\n*.log\n!keep.log\nbuild/\n/dist\n  \n"));
    OK(pe_ignore_add(ig, "web", "node_modules/\n*.tmp\n"));
    assert_true(pe_ignore_match(ig, "x.log", 0));
    assert_false(pe_ignore_match(ig, "keep.log", 0));
    assert_true(pe_ignore_match(ig, "a/build", 1));
    assert_false(pe_ignore_match(ig, "a/build", 0)); /* directories only */
    assert_true(pe_ignore_match(ig, "dist", 1));
    assert_false(pe_ignore_match(ig, "a/dist", 1)); /* anchored */
    assert_true(pe_ignore_match(ig, "web/node_modules", 1));
    assert_true(pe_ignore_match(ig, "web/a/b.tmp", 0));
    assert_false(pe_ignore_match(ig, "other/b.tmp", 0)); /* scoped to web/ */
    pe_ignore_free(ig);
}

/* ---------------------------------------------------------------- errors */

static void http_errors_are_mapped(void **state)
{
    (void)state;
    const char *nf = "{\"error\":\"SandboxNotFound\",\"message\":\"Sandbox not found\"}";
    FAILS_WITH(POCKETENV_ENOTFOUND, pe_http_fail(404, nf, strlen(nf), "startSandbox"));
    const pocketenv_error *e = pocketenv_error_last();
    assert_int_equal(e->http_status, 404);
    assert_string_equal(e->remote_error, "SandboxNotFound");
    CONTAINS(e->message, "startSandbox: HTTP 404 SandboxNotFound: Sandbox not found");
    const char *html = "<html><body>Cannot POST /xrpc/x</body></html>";
    FAILS_WITH(POCKETENV_ENOTFOUND, pe_http_fail(404, html, strlen(html), "x"));
    CONTAINS(pocketenv_error_last()->message, "Cannot POST");
    const char *rl = "{\"error\":\"Too many requests, please try again later.\"}";
    FAILS_WITH(POCKETENV_EHTTP, pe_http_fail(429, rl, strlen(rl), "getSandbox"));
    CONTAINS(pocketenv_error_last()->message, "Too many requests");
    FAILS_WITH(POCKETENV_EAUTH, pe_http_fail(401, NULL, 0, "x"));
    FAILS_WITH(POCKETENV_ECONFLICT, pe_http_fail(409, NULL, 0, "x"));
    FAILS_WITH(POCKETENV_EHTTP, pe_http_fail(500, "", 0, "x"));
    pe_clear_error();
    assert_int_equal(pocketenv_error_last()->code, 0);
    assert_string_equal(pocketenv_strerror(POCKETENV_EUNSAFE), "unsafe archive refused");
    assert_int_equal(pocketenv_version_number(), POCKETENV_VERSION_NUMBER);
    assert_true(POCKETENV_VERSION_CHECK(0, 1, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sandbox_full_and_sparse),  cmocka_unit_test(unknown_status_is_kept),
        cmocka_unit_test(wrong_types_are_protocol_errors), cmocka_unit_test(exec_result_missing_fields),
        cmocka_unit_test(lists_and_fallbacks),      cmocka_unit_test(every_shape_round_trips),
        cmocka_unit_test(tailscale_redaction_edges), cmocka_unit_test(ssh_redaction_edges),
        cmocka_unit_test(shell_quoting),            cmocka_unit_test(seal_round_trip),
        cmocka_unit_test(ssh_keygen_format),        cmocka_unit_test(glob_patterns),
        cmocka_unit_test(ignore_rules),             cmocka_unit_test(http_errors_are_mapped),
        cmocka_unit_test(plain_command_lines),      cmocka_unit_test(programs_are_found_like_the_shell),
    };
    return cmocka_run_group_tests_name("unit", tests, NULL, NULL);
}
