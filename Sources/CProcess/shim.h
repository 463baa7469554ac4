// Process hardening for commands that hold a credential secret. prctl(2) is variadic and
// `environ` is a C global: neither imports into Swift, so they are reached through these.
#ifndef WARDEN_CPROCESS_SHIM_H
#define WARDEN_CPROCESS_SHIM_H

#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

extern char **environ;

// Marks the process non-dumpable: /proc/PID/environ, /proc/PID/mem and ptrace are then refused
// to other processes of the same user (root keeps them). Reset by execve, so a child started
// afterwards is not affected. 0 on success.
static inline int warden_set_nondumpable(void) {
    return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

// Overwrites the value of every `NAME=value` in the environment block in place (that block is
// what /proc/PID/environ shows; unsetenv alone only unlinks the pointer), then unsets NAME.
// Returns how many entries were overwritten.
static inline int warden_scrub_environment_variable(const char *name) {
    size_t n = strlen(name);
    int count = 0;
    for (char **e = environ; e != NULL && *e != NULL; e++) {
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') {
            volatile char *v = *e + n + 1;
            while (*v != '\0') { *v = '\0'; v++; }
            count++;
        }
    }
    unsetenv(name);
    return count;
}

#endif
