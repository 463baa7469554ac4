// libpq's client API, loaded at run time: WardenPostgres opens libpq.so.5 when the first
// PostgreSQL store is opened (LibPQ.swift), so a process on a SQLite store never maps libpq and
// its Kerberos, LDAP and OpenSSL chain. Nothing links libpq: no `link` line here, and no
// `pkgConfig` in Package.swift (SwiftPM would put its `-lpq` on the link line).
#ifndef WARDEN_CPOSTGRES_SHIM_H
#define WARDEN_CPOSTGRES_SHIM_H
#include <dlfcn.h>
// Debian keeps the header in /usr/include/postgresql (what `pkg-config --cflags libpq` names);
// its own includes are quoted, so they are found beside it.
#if __has_include(<libpq-fe.h>)
#include <libpq-fe.h>
#else
#include <postgresql/libpq-fe.h>
#endif

// Every libpq function Warden calls. Add one here to call it.
#define WARDEN_LIBPQ_FUNCTIONS(X) \
    X(PQconnectdbParams) X(PQstatus) X(PQerrorMessage) X(PQfinish) X(PQreset) \
    X(PQsetNoticeProcessor) X(PQserverVersion) X(PQbackendPID) X(PQsocket) \
    X(PQexec) X(PQprepare) X(PQexecPrepared) X(PQclear) X(PQresultStatus) \
    X(PQresultErrorField) X(PQresultErrorMessage) X(PQntuples) X(PQnfields) X(PQcmdTuples) \
    X(PQgetisnull) X(PQgetvalue) X(PQgetlength) \
    X(PQconninfoParse) X(PQconninfoFree) X(PQfreemem) X(PQconsumeInput) X(PQnotifies)

// One pointer per function, typed from the header's own declaration: a mismatch between the
// call and the library is a compile error.
struct warden_libpq {
#define WARDEN_LIBPQ_FIELD(name) __typeof__(&name) _Nonnull name;
    WARDEN_LIBPQ_FUNCTIONS(WARDEN_LIBPQ_FIELD)
#undef WARDEN_LIBPQ_FIELD
};

// Fills `functions` from an opened libpq; the name of the first missing symbol, or NULL.
static inline const char *_Nullable warden_libpq_bind(void *_Nonnull library, struct warden_libpq *_Nonnull functions) {
#define WARDEN_LIBPQ_BIND(name) \
    if ((functions->name = (__typeof__(&name)) dlsym(library, #name)) == NULL) return #name;
    WARDEN_LIBPQ_FUNCTIONS(WARDEN_LIBPQ_BIND)
#undef WARDEN_LIBPQ_BIND
    return NULL;
}
#endif
