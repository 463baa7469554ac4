// SQLITE_TRANSIENT is a cast macro Swift cannot import; this returns it.
#ifndef WARDEN_CSQLITE_SHIM_H
#define WARDEN_CSQLITE_SHIM_H
#include <sqlite3.h>
static inline sqlite3_destructor_type warden_sqlite_transient(void) { return SQLITE_TRANSIENT; }
// SQLITE_STATIC likewise: the caller keeps the bound bytes alive until the statement is stepped.
static inline sqlite3_destructor_type warden_sqlite_static(void) { return SQLITE_STATIC; }
// sqlite3_config is variadic (Swift cannot call it). Turns off the global memory statistics,
// which take a process-wide mutex on every allocation; must run before the first connection.
static inline int warden_sqlite_disable_memstatus(void) { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }
#endif
