/* The redaction rules and shell quoting on arbitrary text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/internal.h"

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
    free(a);
    free(b);
    free(q);
    free(s);
    return 0;
}
