/* The safe extractor on arbitrary archives: it must never write outside its destination. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/archive_int.h"

static char root[64];

static void cleanup(void)
{
    pe_rmtree(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!root[0]) {
        snprintf(root, sizeof root, "/tmp/pe-fuzz-XXXXXX");
        if (!mkdtemp(root))
            abort();
        atexit(cleanup);
    }
    char dest[96];
    snprintf(dest, sizeof dest, "%s/dest", root);
    int fd = memfd_create("archive", MFD_CLOEXEC);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0)
        abort();
    pocketenv_archive_extract_fd(fd, dest, 1 << 20);
    close(fd);
    /* nothing but dest may exist in root */
    char **names;
    size_t count;
    if (pe_list_dir(root, &names, &count) == 0) {
        for (size_t i = 0; i < count; i++)
            if (strcmp(names[i], "dest") != 0)
                abort();
        pe_free_names(names, count);
    }
    pe_rmtree(dest);
    return 0;
}
