// libmicrohttpd's server API, loaded at run time: WardenServe opens libmicrohttpd.so.12 when
// `warden serve` starts (LibMicroHTTPD.swift), so no other command maps it and its GnuTLS
// chain. Nothing links libmicrohttpd: no `link` line here, and no `pkgConfig` in Package.swift
// (SwiftPM would put its `-lmicrohttpd` on the link line). The header is in /usr/include.
// MHD_start_daemon is variadic, which Swift cannot call: the one call Warden needs is made here,
// with every option spelled out, so the Swift side passes plain values.
#ifndef WARDEN_CMICROHTTPD_SHIM_H
#define WARDEN_CMICROHTTPD_SHIM_H
#include <dlfcn.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <microhttpd.h>

// Every libmicrohttpd function Warden calls. Add one here to call it.
#define WARDEN_LIBMHD_FUNCTIONS(X) \
    X(MHD_start_daemon) X(MHD_quiesce_daemon) X(MHD_stop_daemon) X(MHD_get_connection_info) \
    X(MHD_get_connection_values) X(MHD_create_response_from_buffer) \
    X(MHD_create_response_from_callback) X(MHD_add_response_header) X(MHD_queue_response) \
    X(MHD_destroy_response)

// One pointer per function, typed from the header's own declaration: a mismatch between the
// call and the library is a compile error.
struct warden_libmhd {
#define WARDEN_LIBMHD_FIELD(name) __typeof__(&name) _Nonnull name;
    WARDEN_LIBMHD_FUNCTIONS(WARDEN_LIBMHD_FIELD)
#undef WARDEN_LIBMHD_FIELD
};

// Fills `functions` from an opened libmicrohttpd; the name of the first missing symbol, or NULL.
static inline const char *_Nullable warden_libmhd_bind(void *_Nonnull library, struct warden_libmhd *_Nonnull functions) {
#define WARDEN_LIBMHD_BIND(name) \
    if ((functions->name = (__typeof__(&name)) dlsym(library, #name)) == NULL) return #name;
    WARDEN_LIBMHD_FUNCTIONS(WARDEN_LIBMHD_BIND)
#undef WARDEN_LIBMHD_BIND
    return NULL;
}

// The wrappers below call through the loaded functions `f`.
typedef const struct warden_libmhd *_Nonnull warden_mhd_functions;

/// Starts a daemon on an already bound, listening socket: one thread per connection (a handler
/// may block on its upstream), quiescable (ITC) for a graceful stop. TLS when key and cert (PEM
/// text) are both given. Idle connections end after `timeout_seconds` (slow clients); at most
/// `connection_limit` connections at once and `per_ip_limit` from one address (0: no limit).
/// `notify` hears each connection open and close (the header deadline's watch).
static inline struct MHD_Daemon *warden_mhd_start(warden_mhd_functions f, int listen_fd, MHD_AccessHandlerCallback handler, void *handler_cls,
                                                  MHD_RequestCompletedCallback completed, void *completed_cls,
                                                  MHD_NotifyConnectionCallback notify, void *notify_cls,
                                                  const char *tls_key, const char *tls_cert,
                                                  unsigned int timeout_seconds, unsigned int connection_limit,
                                                  unsigned int per_ip_limit) {
    unsigned int flags = MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ITC;
    if (tls_key != NULL && tls_cert != NULL) {
        return f->MHD_start_daemon(flags | MHD_USE_TLS, 0, NULL, NULL, handler, handler_cls,
                                MHD_OPTION_LISTEN_SOCKET, (MHD_socket) listen_fd,
                                MHD_OPTION_NOTIFY_COMPLETED, completed, completed_cls,
                                MHD_OPTION_NOTIFY_CONNECTION, notify, notify_cls,
                                MHD_OPTION_CONNECTION_TIMEOUT, timeout_seconds,
                                MHD_OPTION_CONNECTION_LIMIT, connection_limit,
                                MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip_limit,
                                MHD_OPTION_HTTPS_MEM_KEY, tls_key,
                                MHD_OPTION_HTTPS_MEM_CERT, tls_cert,
                                MHD_OPTION_END);
    }
    return f->MHD_start_daemon(flags, 0, NULL, NULL, handler, handler_cls,
                            MHD_OPTION_LISTEN_SOCKET, (MHD_socket) listen_fd,
                            MHD_OPTION_NOTIFY_COMPLETED, completed, completed_cls,
                            MHD_OPTION_NOTIFY_CONNECTION, notify, notify_cls,
                            MHD_OPTION_CONNECTION_TIMEOUT, timeout_seconds,
                            MHD_OPTION_CONNECTION_LIMIT, connection_limit,
                            MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip_limit,
                            MHD_OPTION_END);
}

/// The connection's socket (MHD_get_connection_info is variadic); -1 when unknown.
static inline int warden_mhd_connection_fd(warden_mhd_functions f, struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = f->MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    return info == NULL ? -1 : (int) info->connect_fd;
}

/// MHD_CONTENT_READER_END_OF_STREAM and _WITH_ERROR are casts in macros, which do not import.
static inline ssize_t warden_mhd_end_of_stream(void) { return MHD_CONTENT_READER_END_OF_STREAM; }
static inline ssize_t warden_mhd_end_with_error(void) { return MHD_CONTENT_READER_END_WITH_ERROR; }
static inline uint64_t warden_mhd_size_unknown(void) { return MHD_SIZE_UNKNOWN; }
/// A response holding its own copy of `data`.
static inline struct MHD_Response *warden_mhd_response_copy(warden_mhd_functions f, size_t size, const void *data) {
    return f->MHD_create_response_from_buffer(size, (void *) data, MHD_RESPMEM_MUST_COPY);
}
#endif
