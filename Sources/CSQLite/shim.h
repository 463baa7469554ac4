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
// sqlite3_db_config is variadic too. Turns this connection's triggers off (0) or on (1); SQLite
// expires the connection's prepared statements on a change, so each re-prepares under the new setting.
static inline int warden_sqlite_enable_triggers(sqlite3 *db, int on) {
    int now = -1;
    int rc = sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, on, &now);
    return rc == SQLITE_OK && now == on ? SQLITE_OK : SQLITE_ERROR;
}
static inline int warden_sqlite_triggers_enabled(sqlite3 *db) {
    int now = -1;
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, -1, &now);
    return now;
}
#endif
