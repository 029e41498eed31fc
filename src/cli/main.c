/*
 * pocketenv: the command-line tool.
 *
 * Global flags: --json (machine output on stdout), --local (use the embedded local server,
 * started on demand), --remote (use the hosted platform), --version, --help.
 * Without --local/--remote, the local server is used when no token is configured
 * (POCKETENV_TOKEN, ~/.pocketenv/token.json) and POCKETENV_API_URL is unset; POCKETENV_LOCAL=1
 * or 0 forces the choice.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void print_help(FILE *f)
{
    fprintf(f, "pocketenv %s: sandboxes for people and agents\n\n"
               "usage: pocketenv [--json] [--local|--remote] COMMAND [ARGS...]\n\ncommands:\n", POCKETENV_VERSION);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-62s %s\n", COMMANDS[i].usage, COMMANDS[i].summary);
    fprintf(f, "\nexit codes: 0 ok, 1 error, 2 usage, 3 not logged in / not allowed, 4 not found,\n"
               "            5 server error, 6 network, 7 local files, 130 interrupted; exec exits with the\n"
               "            remote command's status\n");
}

static bool is_global(const char *a) { return !strcmp(a, "--json") || !strcmp(a, "--local") || !strcmp(a, "--remote"); }

static void apply_global(cli *c, const char *a, int *force)
{
    if (!strcmp(a, "--json"))
        c->json = true;
    else if (!strcmp(a, "--local"))
        *force = 1;
    else if (!strcmp(a, "--remote"))
        *force = 0;
}

static int make_client(cli *c, int force_local)
{
    pocketenv_client_options o = POCKETENV_CLIENT_OPTIONS_INIT;
    local_server l = { 0 };
    c->local = force_local >= 0 ? force_local == 1 : local_mode_default();
    if (c->local) {
        int rc = local_ensure(&l, !c->json);
        if (rc)
            return out_fail(rc);
        o.api_url = o.storage_url = l.url;
        o.token = l.token;
        o.public_key_hex = l.public_key;
    }
    int rc = pocketenv_client_new(&c->client, &o);
    local_server_free(&l);
    return rc ? out_fail(rc) : 0;
}

int main(int argc, char **argv)
{
    cli c;
    memset(&c, 0, sizeof c);
    out_init(&c);
    int force_local = -1, i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-V")) {
            printf("pocketenv %s\n", POCKETENV_VERSION);
            return 0;
        }
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            print_help(stdout);
            return 0;
        }
        if (!is_global(argv[i]))
            return out_usage("unknown option '%s' (see pocketenv --help)", argv[i]);
        apply_global(&c, argv[i], &force_local);
    }
    if (i >= argc || !strcmp(argv[i], "help")) {
        print_help(i >= argc ? stderr : stdout);
        return i >= argc ? EXIT_USAGE : 0;
    }
    const command *cmd = i + 1 < argc ? find_command(argv[i], argv[i + 1]) : NULL;
    int words = 2;
    if (!cmd) {
        cmd = find_command(argv[i], NULL);
        words = 1;
    }
    if (!cmd)
        return out_usage("unknown command '%s%s%s' (see pocketenv --help)", argv[i], i + 1 < argc ? " " : "",
                         i + 1 < argc && !find_command(argv[i], NULL) ? argv[i + 1] : "");
    /* The command's arguments; global flags are taken from them too, except after exec's sandbox
     * (those belong to the remote command). */
    char **args = calloc((size_t)argc, sizeof *args);
    int n = 0;
    for (int k = i + words; k < argc; k++) {
        bool exec_tail = cmd->fn && !strcmp(cmd->name, "exec") && n >= 1;
        if (!exec_tail && (!strcmp(argv[k], "--help") || !strcmp(argv[k], "-h"))) {
            printf("usage: pocketenv %s\n  %s\n", cmd->usage, cmd->summary);
            free(args);
            return 0;
        }
        if (!exec_tail && is_global(argv[k]))
            apply_global(&c, argv[k], &force_local);
        else
            args[n++] = argv[k];
    }
    c.argc = n;
    c.argv = args;
    int rc = cmd->needs_client ? make_client(&c, force_local) : 0;
    if (!rc)
        rc = cmd->fn(&c);
    pocketenv_client_free(c.client);
    free(args);
    if (fflush(stdout) != 0 && rc == 0) {
        perror("pocketenv: error: cannot write the output");
        rc = EXIT_LOCAL;
    }
    return rc;
}
