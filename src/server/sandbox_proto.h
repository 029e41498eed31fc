/* The control protocol between pocketenvd and pocketenv-sandbox-init (SOCK_SEQPACKET). */
#ifndef PE_SANDBOX_PROTO_H
#define PE_SANDBOX_PROTO_H

#include <stdint.h>

#define PE_INIT_MAGIC 0x50454931u /* "PEI1" */
#define PE_INIT_LISTEN_FD 3        /* the listening control socket in the init */
#define PE_INIT_MAX_REQUEST (1u << 20)

enum { PE_INIT_RUN = 1, PE_INIT_DETACH = 2, PE_INIT_SIGNAL = 3 };
enum { PE_INIT_STARTED = 1, PE_INIT_EXITED = 2, PE_INIT_ERROR = 3 };

/* Followed by: cwd\0, argc strings, envc strings. RUN/DETACH carry 3 fds (stdin, stdout, stderr). */
typedef struct pe_init_request {
    uint32_t magic, op, argc, envc;
    int32_t pid, sig; /* SIGNAL */
} pe_init_request;

typedef struct pe_init_reply {
    uint32_t kind;
    int32_t value; /* STARTED: pid (in the sandbox); EXITED: exit status or 128+signal; ERROR: errno */
} pe_init_reply;

#endif
