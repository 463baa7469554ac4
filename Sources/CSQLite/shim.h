// SQLITE_TRANSIENT is a cast macro Swift cannot import; this returns it.
#ifndef WARDEN_CSQLITE_SHIM_H
#define WARDEN_CSQLITE_SHIM_H
#include <sqlite3.h>
static inline sqlite3_destructor_type warden_sqlite_transient(void) { return SQLITE_TRANSIENT; }
#endif
