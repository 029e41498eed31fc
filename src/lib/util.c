/* Sealing (libsodium sealed boxes), the platform's two redaction rules, and shell quoting. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "internal.h"

char *pocketenv_seal(const char *public_key_hex, const void *plaintext, size_t len)
{
    unsigned char pk[crypto_box_PUBLICKEYBYTES];
    if (sodium_init() < 0) {
        pe_fail(POCKETENV_ERROR, "libsodium initialisation failed");
        return NULL;
    }
    if (pe_hex_decode(public_key_hex, pk, sizeof pk)) {
        pe_fail(POCKETENV_EINVAL, "public key must be 64 hexadecimal characters");
        return NULL;
    }
    size_t clen = len + crypto_box_SEALBYTES;
    unsigned char *cipher = malloc(clen);
    size_t b64len = sodium_base64_encoded_len(clen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *out = malloc(b64len);
    if (!cipher || !out || crypto_box_seal(cipher, plaintext, len, pk) != 0) {
        free(cipher);
        free(out);
        pe_fail(POCKETENV_ENOMEM, "sealing failed (out of memory)");
        return NULL;
    }
    sodium_bin2base64(out, b64len, cipher, clen, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    free(cipher);
    return out;
}

char *pocketenv_unseal(const unsigned char public_key[32], const unsigned char secret_key[32],
                       const char *sealed_b64, size_t *out_len)
{
    size_t b64 = sealed_b64 ? strlen(sealed_b64) : 0;
    unsigned char *bin = malloc(b64 + 1);
    size_t binlen = 0;
    char *plain = NULL;
    if (sodium_init() < 0 || !bin) {
        pe_fail(POCKETENV_ENOMEM, "out of memory");
        free(bin);
        return NULL;
    }
    if (!sealed_b64 ||
        sodium_base642bin(bin, b64 + 1, sealed_b64, b64, NULL, &binlen, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        binlen < crypto_box_SEALBYTES) {
        pe_fail(POCKETENV_EINVAL, "sealed value is not base64url (no padding) of a sealed box");
        free(bin);
        return NULL;
    }
    size_t plen = binlen - crypto_box_SEALBYTES;
    plain = malloc(plen + 1);
    if (!plain || crypto_box_seal_open((unsigned char *)plain, bin, binlen, public_key, secret_key) != 0) {
        pe_fail(POCKETENV_EINVAL, "sealed value does not open with this server's key");
        free(plain);
        free(bin);
        return NULL;
    }
    plain[plen] = '\0';
    if (out_len)
        *out_len = plen;
    free(bin);
    return plain;
}

char *pocketenv_redact_tailscale_key(const char *key)
{
    if (!key) {
        pe_fail(POCKETENV_EINVAL, "no key");
        return NULL;
    }
    char *out = strdup(key);
    size_t n = strlen(key);
    if (out && n > 14)
        memset(out + 11, '*', n - 14);
    return out;
}

/* Replaces every LF with the two characters '\' 'n'. */
static char *escape_newlines(const char *s, size_t len)
{
    pe_buf b = { 0 };
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n' ? pe_buf_append(&b, "\\n", 2) : pe_buf_append(&b, &s[i], 1)) {
            pe_buf_free(&b);
            return NULL;
        }
    }
    if (!b.data && pe_buf_append(&b, "", 0))
        return NULL;
    return b.data;
}

char *pocketenv_redact_ssh_private_key(const char *key)
{
    static const char header[] = "-----BEGIN OPENSSH PRIVATE KEY-----";
    static const char footer[] = "-----END OPENSSH PRIVATE KEY-----";
    if (!key) {
        pe_fail(POCKETENV_EINVAL, "no key");
        return NULL;
    }
    const char *h = strstr(key, header);
    const char *f = h ? strstr(h + sizeof header - 1, footer) : NULL;
    if (!h || !f)
        return escape_newlines(key, strlen(key));
    const char *body = h + sizeof header - 1;
    size_t body_len = (size_t)(f - body);
    size_t total_len = (size_t)(f - h) + sizeof footer - 1;
    char *pem = malloc(total_len + 1);
    if (!pem)
        return NULL;
    memcpy(pem, h, total_len);
    pem[total_len] = '\0';
    char *b = pem + sizeof header - 1;
    size_t visible = 0;
    for (size_t i = 0; i < body_len; i++)
        visible += b[i] != '\n';
    if (visible > 15) {
        size_t seen = 0;
        for (size_t i = 0; i < body_len; i++) {
            if (b[i] == '\n')
                continue;
            if (seen >= 10 && seen < visible - 5)
                b[i] = '*';
            seen++;
        }
    }
    char *out = escape_newlines(pem, total_len);
    free(pem);
    return out;
}

char *pocketenv_shell_quote(const char *word)
{
    pe_buf b = { 0 };
    if (!word)
        word = "";
    int rc = pe_buf_append(&b, "'", 1);
    for (const char *p = word; !rc && *p; p++)
        rc = *p == '\'' ? pe_buf_puts(&b, "'\\''") : pe_buf_append(&b, p, 1);
    if (!rc)
        rc = pe_buf_append(&b, "'", 1);
    if (rc) {
        pe_buf_free(&b);
        return NULL;
    }
    return b.data;
}

char *pocketenv_shell_join(size_t argc, const char *const *argv)
{
    pe_buf b = { 0 };
    if (!argc || !argv) {
        pe_fail(POCKETENV_EINVAL, "no command words");
        return NULL;
    }
    for (size_t i = 0; i < argc; i++) {
        char *q = pocketenv_shell_quote(argv[i]);
        if (!q || (i && pe_buf_append(&b, " ", 1)) || pe_buf_puts(&b, q)) {
            free(q);
            pe_buf_free(&b);
            return NULL;
        }
        free(q);
    }
    return b.data;
}
