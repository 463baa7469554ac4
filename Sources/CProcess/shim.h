// Process hardening for commands that hold a credential secret. prctl(2) is variadic and
// `environ` is a C global: neither imports into Swift, so they are reached through these.
// Also the heap's trim (malloc.h is not in Swift's Glibc module).
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

// Names the calling thread (cut to 15 bytes by the kernel), for `top -H`, perf and debuggers.
static inline void warden_set_thread_name(const char *name) {
    prctl(PR_SET_NAME, name, 0, 0, 0);
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

#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

// `warden hook`'s answer when it cannot reach one itself: an agent runtime runs the tool when its
// hook crashes or exits with the wrong code, so a timeout or a fatal signal must still answer
// deny. The answer is copied here before it is needed; the handler only calls write and _exit.
// (Held in a function's static: a header's file-scope statics are not emitted for Swift.)
struct warden_fail_state {
    char answer[2048];
    size_t length;
    int exit_code;
};

static inline struct warden_fail_state *warden_fail_state(void) {
    static struct warden_fail_state state;
    return &state;
}

static inline void warden_fail_closed_handler(int sig) {
    (void)sig;
    struct warden_fail_state *st = warden_fail_state();
    size_t off = 0;
    while (off < st->length) {
        ssize_t n = write(1, st->answer + off, st->length - off);
        if (n <= 0) break;
        off += (size_t)n;
    }
    _exit(st->exit_code);
}

// Sets the answer and exit code, installs the handler for the timer and fatal signals, and
// (timeout_ms > 0) starts the timer. Called again, it replaces the answer. 0 on success.
static inline int warden_arm_fail_closed(const char *answer, int exit_code, long timeout_ms) {
    struct warden_fail_state *st = warden_fail_state();
    size_t n = strlen(answer);
    if (n >= sizeof st->answer) return -1;
    sigset_t block, old;
    sigfillset(&block);
    sigprocmask(SIG_BLOCK, &block, &old);  // no half-copied answer if the timer fires now
    memcpy(st->answer, answer, n);
    st->length = n;
    st->exit_code = exit_code;
    sigprocmask(SIG_SETMASK, &old, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = warden_fail_closed_handler;
    sigfillset(&sa.sa_mask);
    // SIGALRM last: once it is caught, every one of these is (a test waits for that).
    int signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE, SIGALRM };
    sigset_t ours;
    sigemptyset(&ours);
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        if (sigaction(signals[i], &sa, NULL) != 0) return -1;
        sigaddset(&ours, signals[i]);
    }
    // A blocked mask is inherited across exec (a runtime's threads may block SIGALRM): unblock.
    if (sigprocmask(SIG_UNBLOCK, &ours, NULL) != 0) return -1;
    if (timeout_ms > 0) {
        struct itimerval t;
        memset(&t, 0, sizeof t);
        t.it_value.tv_sec = timeout_ms / 1000;
        t.it_value.tv_usec = (timeout_ms % 1000) * 1000;
        if (setitimer(ITIMER_REAL, &t, NULL) != 0) return -1;
    }
    return 0;
}

// Stops the timer before the hook writes its own answer (so only one answer is ever written).
static inline void warden_disarm_fail_closed_timer(void) {
    struct itimerval t;
    memset(&t, 0, sizeof t);
    setitimer(ITIMER_REAL, &t, NULL);
}

#include <malloc.h>

// Hands the heap's free pages back to the system, in every thread's arena (glibc keeps what a
// thread freed for that thread's later use: after a large load that is hundreds of megabytes
// no one will use again). 1 if memory was released. Not in Swift's Glibc module: reached here.
static inline int warden_release_free_memory(void) {
    return malloc_trim(0);
}

#endif
