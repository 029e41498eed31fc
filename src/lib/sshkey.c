/* Ed25519 key pairs in OpenSSH's "openssh-key-v1" format, generated with libsodium. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "internal.h"

static int put_u32(pe_buf *b, uint32_t v)
{
    unsigned char x[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8),
                           (unsigned char)v };
    return pe_buf_append(b, x, 4);
}

static int put_string(pe_buf *b, const void *data, size_t len)
{
    return put_u32(b, (uint32_t)len) || pe_buf_append(b, data, len);
}

static char *base64(const void *data, size_t len)
{
    size_t n = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
    char *out = malloc(n);
    if (out)
        sodium_bin2base64(out, n, data, len, sodium_base64_VARIANT_ORIGINAL);
    return out;
}

static int public_blob(pe_buf *b, const unsigned char *pk)
{
    return put_string(b, "ssh-ed25519", 11) || put_string(b, pk, crypto_sign_PUBLICKEYBYTES);
}

static char *private_pem(const unsigned char *pk, const unsigned char *sk, const char *comment)
{
    pe_buf pub = { 0 }, priv = { 0 }, all = { 0 }, pem = { 0 };
    uint32_t check = randombytes_random();
    char *b64 = NULL, *result = NULL;
    int rc = public_blob(&pub, pk) || put_u32(&priv, check) || put_u32(&priv, check) ||
             put_string(&priv, "ssh-ed25519", 11) || put_string(&priv, pk, crypto_sign_PUBLICKEYBYTES) ||
             put_string(&priv, sk, crypto_sign_SECRETKEYBYTES) || put_string(&priv, comment, strlen(comment));
    for (unsigned char pad = 1; !rc && priv.len % 8; pad++)
        rc = pe_buf_append(&priv, &pad, 1);
    rc = rc || pe_buf_append(&all, "openssh-key-v1", 15) || put_string(&all, "none", 4) ||
         put_string(&all, "none", 4) || put_string(&all, "", 0) || put_u32(&all, 1) ||
         put_string(&all, pub.data, pub.len) || put_string(&all, priv.data, priv.len);
    if (!rc && (b64 = base64(all.data, all.len))) {
        rc = pe_buf_puts(&pem, "-----BEGIN OPENSSH PRIVATE KEY-----\n");
        for (size_t i = 0, n = strlen(b64); !rc && i < n; i += 70)
            rc = pe_buf_append(&pem, b64 + i, n - i < 70 ? n - i : 70) || pe_buf_append(&pem, "\n", 1);
        rc = rc || pe_buf_puts(&pem, "-----END OPENSSH PRIVATE KEY-----\n");
        if (!rc) {
            result = pem.data;
            pem.data = NULL;
        }
    }
    if (priv.data)
        sodium_memzero(priv.data, priv.len);
    if (all.data)
        sodium_memzero(all.data, all.len);
    if (b64)
        sodium_memzero(b64, strlen(b64));
    free(b64);
    pe_buf_free(&pub);
    pe_buf_free(&priv);
    pe_buf_free(&all);
    pe_buf_free(&pem);
    return result;
}

int pocketenv_ssh_keygen_ed25519(const char *comment, char **out_private, char **out_public)
{
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    if (!out_private || !out_public)
        return pe_fail(POCKETENV_EINVAL, "output pointers must not be NULL");
    *out_private = *out_public = NULL;
    if (sodium_init() < 0)
        return pe_fail(POCKETENV_ERROR, "libsodium initialisation failed");
    if (!comment)
        comment = "user@pocketenv";
    crypto_sign_keypair(pk, sk);
    pe_buf pub = { 0 };
    char *pub64 = NULL;
    *out_private = private_pem(pk, sk, comment);
    sodium_memzero(sk, sizeof sk);
    if (*out_private && !public_blob(&pub, pk) && (pub64 = base64(pub.data, pub.len)))
        *out_public = pe_strprintf("ssh-ed25519 %s %s", pub64, comment);
    free(pub64);
    pe_buf_free(&pub);
    if (!*out_private || !*out_public) {
        free(*out_private);
        free(*out_public);
        *out_private = *out_public = NULL;
        return pe_fail(POCKETENV_ENOMEM, "out of memory generating an SSH key");
    }
    return 0;
}
