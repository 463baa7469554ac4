// libcurl's easy API; the include path comes from `pkg-config libcurl`. curl_easy_setopt and
// curl_easy_getinfo are variadic, which Swift cannot call: one typed wrapper per argument kind.
#ifndef WARDEN_CCURL_SHIM_H
#define WARDEN_CCURL_SHIM_H
#include <curl/curl.h>

static inline CURLcode warden_curl_set_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode warden_curl_set_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode warden_curl_set_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode warden_curl_set_write(CURL *h, curl_write_callback f) { return curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, f); }
static inline CURLcode warden_curl_set_header(CURL *h, curl_write_callback f) { return curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, f); }
static inline CURLcode warden_curl_set_body(CURL *h, const char *bytes, long length) {
    CURLcode rc = curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, length);
    return rc != CURLE_OK ? rc : curl_easy_setopt(h, CURLOPT_POSTFIELDS, bytes);
}
static inline long warden_curl_response_code(CURL *h) {
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    return code;
}
/// CURL_WRITEFUNC_PAUSE and friends are macros; the abort value is any short count.
#endif
