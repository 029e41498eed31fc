/* The cold-start floor of a program linked with pocketenv's libraries: it loads libcurl,
 * libarchive, libsodium and jansson (and everything they pull in) and does nothing. The calls
 * never run; they keep each library needed even under --as-needed. */
#include <archive.h>
#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

int main(int argc, char **argv)
{
    (void)argv;
    if (argc > 1000) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        archive_version_number();
        json_decref(json_object());
        return sodium_init();
    }
    return 0;
}
