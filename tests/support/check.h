/* cmocka helpers that print the library's error detail when a call fails. */
#ifndef PE_TEST_CHECK_H
#define PE_TEST_CHECK_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <pocketenv/pocketenv.h>

#define OK(call)                                                                                         \
    do {                                                                                                 \
        int rc_ = (call);                                                                                \
        if (rc_ != 0)                                                                                    \
            fail_msg("%s returned %d: %s", #call, rc_, pocketenv_error_last()->message);                \
    } while (0)

#define FAILS_WITH(code, call)                                                                           \
    do {                                                                                                 \
        int rc_ = (call);                                                                                \
        if (rc_ != (code))                                                                               \
            fail_msg("%s returned %d, expected %d (%s)", #call, rc_, (int)(code),                        \
                     pocketenv_error_last()->message);                                                   \
    } while (0)

#define CONTAINS(haystack, needle)                                                                       \
    do {                                                                                                 \
        const char *h_ = (haystack);                                                                     \
        if (!h_ || !strstr(h_, (needle)))                                                                \
            fail_msg("expected \"%s\" to contain \"%s\"", h_ ? h_ : "(null)", (needle));                 \
    } while (0)

#endif
