// libcurl's easy API, loaded at run time: WardenHTTPClient opens libcurl.so.4 at the first HTTP
// exchange (LibCurl.swift), so a process that makes none never maps libcurl and its GnuTLS,
// LDAP, ssh2 chain. Nothing links libcurl: no `link` line here, and no `pkgConfig` in
// Package.swift (SwiftPM would put its `-lcurl` on the link line). The header is in the
// default include path (Debian's multiarch /usr/include/x86_64-linux-gnu/curl).
#ifndef WARDEN_CCURL_SHIM_H
#define WARDEN_CCURL_SHIM_H
#include <dlfcn.h>
#include <curl/curl.h>

// Every libcurl function Warden calls. Add one here to call it.
#define WARDEN_LIBCURL_FUNCTIONS(X) \
    X(curl_global_init) X(curl_easy_init) X(curl_easy_cleanup) X(curl_easy_reset) \
    X(curl_easy_perform) X(curl_easy_strerror) X(curl_easy_setopt) X(curl_easy_getinfo) \
    X(curl_slist_append) X(curl_slist_free_all)

// One pointer per function, typed from the header's own declaration: a mismatch between the
// call and the library is a compile error.
struct warden_libcurl {
#define WARDEN_LIBCURL_FIELD(name) __typeof__(&name) _Nonnull name;
    WARDEN_LIBCURL_FUNCTIONS(WARDEN_LIBCURL_FIELD)
#undef WARDEN_LIBCURL_FIELD
};

// Fills `functions` from an opened libcurl; the name of the first missing symbol, or NULL.
static inline const char *_Nullable warden_libcurl_bind(void *_Nonnull library, struct warden_libcurl *_Nonnull functions) {
#define WARDEN_LIBCURL_BIND(name) \
    if ((functions->name = (__typeof__(&name)) dlsym(library, #name)) == NULL) return #name;
    WARDEN_LIBCURL_FUNCTIONS(WARDEN_LIBCURL_BIND)
#undef WARDEN_LIBCURL_BIND
    return NULL;
}

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: one typed
// wrapper per argument kind, each through the loaded functions `f`.
typedef const struct warden_libcurl *_Nonnull warden_curl_functions;
static inline CURLcode warden_curl_set_long(warden_curl_functions f, CURL *h, CURLoption o, long v) { return f->curl_easy_setopt(h, o, v); }
static inline CURLcode warden_curl_set_string(warden_curl_functions f, CURL *h, CURLoption o, const char *v) { return f->curl_easy_setopt(h, o, v); }
static inline CURLcode warden_curl_set_pointer(warden_curl_functions f, CURL *h, CURLoption o, void *v) { return f->curl_easy_setopt(h, o, v); }
static inline CURLcode warden_curl_set_write(warden_curl_functions f, CURL *h, curl_write_callback cb) { return f->curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, cb); }
static inline CURLcode warden_curl_set_header(warden_curl_functions f, CURL *h, curl_write_callback cb) { return f->curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, cb); }
static inline CURLcode warden_curl_set_body(warden_curl_functions f, CURL *h, const char *bytes, long length) {
    CURLcode rc = f->curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, length);
    return rc != CURLE_OK ? rc : f->curl_easy_setopt(h, CURLOPT_POSTFIELDS, bytes);
}
static inline long warden_curl_response_code(warden_curl_functions f, CURL *h) {
    long code = 0;
    f->curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    return code;
}
/// CURL_WRITEFUNC_PAUSE and friends are macros; the abort value is any short count.
#endif
