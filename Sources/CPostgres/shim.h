// libpq's client API; the include path comes from `pkg-config libpq`.
#ifndef WARDEN_CPOSTGRES_SHIM_H
#define WARDEN_CPOSTGRES_SHIM_H
#include <libpq-fe.h>
#endif
