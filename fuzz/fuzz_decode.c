/* Every JSON response decoder of libpocketenv on arbitrary input. */
#include <stdint.h>
#include <stdlib.h>

#include "lib/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *root = NULL;
    if (pe_parse_json((const char *)data, size, &root) != 0)
        return 0;
    const pe_type *types[] = { &pe_type_profile, &pe_type_sandbox, &pe_type_port, &pe_type_exec, &pe_type_secret,
                               &pe_type_variable, &pe_type_file, &pe_type_volume, &pe_type_service,
                               &pe_type_ssh_keys, &pe_type_tailscale, &pe_type_backup };
    static const char *keys[] = { "sandbox", "sandboxes", "ports", "secrets", "variables", "files", "volumes",
                                  "services", "backups" };
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        void *obj = malloc(types[i]->size);
        if (pe_decode(types[i], root, obj) == 0) {
            json_t *again = pe_encode(types[i], obj);
            json_decref(again);
            pe_free_members(types[i], obj);
        }
        free(obj);
        pocketenv_sandboxes list; /* every list shares this layout */
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
            if (pe_decode_list(types[i], root, keys[k], &list) == 0)
                pe_free_list(types[i], &list);
    }
    json_decref(root);
    return 0;
}
