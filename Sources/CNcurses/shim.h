// Swift 6 refuses ncurses' globals as shared mutable state and cannot import its
// attribute macros, so both are reached through these inline functions.
#ifndef WARDEN_CNCURSES_SHIM_H
#define WARDEN_CNCURSES_SHIM_H
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>

static inline WINDOW *warden_stdscr(void) { return stdscr; }
static inline int warden_cols(void) { return COLS; }
static inline int warden_lines(void) { return LINES; }
static inline int warden_colors(void) { return COLORS; }
static inline int warden_color_pairs(void) { return COLOR_PAIRS; }
static inline attr_t warden_a_normal(void) { return A_NORMAL; }
static inline attr_t warden_a_bold(void) { return A_BOLD; }
static inline attr_t warden_a_dim(void) { return A_DIM; }
static inline attr_t warden_a_underline(void) { return A_UNDERLINE; }
static inline attr_t warden_a_reverse(void) { return A_REVERSE; }
static inline attr_t warden_a_italic(void) { return A_ITALIC; }
static inline int warden_set_escdelay(int ms) { return set_escdelay(ms); }
static inline int warden_lc_all(void) { return LC_ALL; }
// Leaves the alternate screen with the cursor at the top. endwin leaves it from the bottom
// line, and a terminal grown since the alternate screen began (tmux) then shrinks it by
// pushing its top lines into the history it restores the normal screen from: dashboard rows
// would be left above the shell. From the top, the surplus lines are cut from the bottom.
// endwin then sends rmcup again, which only restores the saved cursor.
static inline void warden_leave_alternate_screen_from_top(void) {
    char *rmcup = tigetstr((char *)"rmcup");
    if (rmcup == NULL || rmcup == (char *)-1) return;
    werase(stdscr);
    wmove(stdscr, 0, 0);
    leaveok(stdscr, FALSE);
    wrefresh(stdscr);
    putp(rmcup);
}
// A terminal that cannot move its cursor (TERM=dumb) cannot draw a full-screen dashboard.
static inline int warden_can_address_cursor(void) {
    char *s = tigetstr((char *)"cup");
    return s != NULL && s != (char *)-1;
}
// newterm (unlike initscr) returns NULL instead of exiting when the terminal is unusable;
// stdout/stdin are C globals Swift 6 also refuses.
static inline SCREEN *warden_newterm(void) { return newterm(NULL, stdout, stdin); }
static inline int warden_key_code_yes(void) { return KEY_CODE_YES; }
// Mouse masks are function-like macros (NCURSES_MOUSE_MASK) and do not import.
static inline mmask_t warden_button1_pressed(void) { return BUTTON1_PRESSED; }
static inline mmask_t warden_button2_pressed(void) { return BUTTON2_PRESSED; }
static inline mmask_t warden_button3_pressed(void) { return BUTTON3_PRESSED; }
static inline mmask_t warden_button4_pressed(void) { return BUTTON4_PRESSED; }
#if NCURSES_MOUSE_VERSION > 1
static inline mmask_t warden_button5_pressed(void) { return BUTTON5_PRESSED; }
#else
static inline mmask_t warden_button5_pressed(void) { return 0; }
#endif
static inline int warden_ccharw_max(void) { return CCHARW_MAX; }
#endif
