/* The redaction rules, shell quoting and the plain-command splitter on arbitrary text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/internal.h"
#include "server/plain_command.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = strndup((const char *)data, size);
    if (!s)
        return 0;
    char *a = pocketenv_redact_tailscale_key(s);
    if (a && strlen(a) != strlen(s))
        abort(); /* the Tailscale rule preserves the length */
    char *b = pocketenv_redact_ssh_private_key(s);
    char *q = pocketenv_shell_quote(s);
    if (q && (q[0] != '\'' || q[strlen(q) - 1] != '\''))
        abort();
    /* a quoted word without quotes inside splits back into exactly itself (or needs the shell) */
    char *buf = q ? malloc(strlen(q) + 1) : NULL, *words[4];
    if (buf && !strchr(s, '\'')) {
        size_t n = pe_plain_command(q, buf, strlen(q) + 1, words, 3);
        if (n > 1 || (n == 1 && strcmp(words[0], s)))
            abort();
    }
    if (buf) /* any text (never longer than its quoted form): no overflow, no crash */
        pe_plain_command(s, buf, strlen(q) + 1, words, 3);
    free(buf);
    free(a);
    free(b);
    free(q);
    free(s);
    return 0;
}
