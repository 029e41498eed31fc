/* The ignore-pattern matcher: input is "patterns\0path". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 2);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = buf[size + 1] = '\0';
    const char *patterns = buf, *path = buf + strlen(buf) + 1;
    if (path > buf + size)
        path = "a/b/c";
    pocketenv_glob_match(patterns, path);
    pe_ignore *ig = pe_ignore_new();
    if (ig && pe_ignore_add(ig, "", patterns) == 0) {
        pe_ignore_match(ig, path, 0);
        pe_ignore_match(ig, path, 1);
    }
    pe_ignore_free(ig);
    free(buf);
    return 0;
}
