/*
 * The reference SDK's pipeline, in C: create -> start -> wait -> exec, stopping at the first
 * failure with its detail. Configuration comes from the environment (POCKETENV_API_URL,
 * POCKETENV_TOKEN, POCKETENV_PUBLIC_KEY, POCKETENV_STORAGE_URL).
 *
 *   cc chain.c $(pkg-config --cflags --libs pocketenv) -o chain && ./chain
 */
#include <stdio.h>

#include <pocketenv/pocketenv.h>

int main(void)
{
    pocketenv_client *c = NULL;
    pocketenv_sandbox *sb = NULL;
    pocketenv_exec_result *res = NULL;
    const char *argv[] = { "echo", "hello from", "$(hostname)" }; /* quoted: printed, not run */
    int rc = pocketenv_client_new(&c, NULL);

    if (rc || pocketenv_sandbox_create(c, &sb, NULL) || pocketenv_sandbox_start(c, sb, NULL) ||
        pocketenv_sandbox_wait_until_running(c, sb, NULL) || pocketenv_sandbox_execv(c, sb, 3, argv, &res)) {
        const pocketenv_error *e = pocketenv_error_last();
        fprintf(stderr, "failed: %s (code %d, HTTP %ld)\n", e->message, e->code, e->http_status);
        rc = 1;
    } else {
        printf("%s: %s", sb->name, res->stdout_text);
        rc = res->exit_code == 0 ? 0 : 1;
    }
    if (sb)
        pocketenv_sandbox_delete(c, sb);
    pocketenv_exec_result_free(res);
    pocketenv_sandbox_free(sb);
    pocketenv_client_free(c);
    return rc;
}
