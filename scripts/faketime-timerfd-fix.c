// Preloaded before libfaketime by `make test-clock` (test tooling only, never linked into Papers).
//
// libfaketime 0.9.10 (Debian 12) moves every absolute timerfd_settime() by the fake offset, monotonic clocks
// included, even with FAKETIME_DONT_FAKE_MONOTONIC=1: a monotonic deadline of a few thousand seconds becomes negative,
// the kernel answers EINVAL, and libdispatch's timer never fires — so every Swift `Task.sleep` under faketime sleeps
// forever (seen with strace: `timerfd_settime(8, TFD_TIMER_ABSTIME, {it_value={tv_sec=-31530214, …}}) = -1 EINVAL`).
// Here timers on the monotonic clocks go to the kernel unchanged (their clocks are real under
// FAKETIME_DONT_FAKE_MONOTONIC=1); wall-clock timers still go through libfaketime.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

enum { tracked = 65536 };
static unsigned char monotonic[tracked];

int timerfd_create(int clockid, int flags) {
    int fd = (int)syscall(SYS_timerfd_create, clockid, flags);
    if (fd >= 0 && fd < tracked) monotonic[fd] = clockid != CLOCK_REALTIME && clockid != CLOCK_REALTIME_ALARM;
    return fd;
}

int timerfd_settime(int fd, int flags, const struct itimerspec *new_value, struct itimerspec *old_value) {
    if (fd >= 0 && fd < tracked && monotonic[fd]) {
        return (int)syscall(SYS_timerfd_settime, fd, flags, new_value, old_value);
    }
    int (*next)(int, int, const struct itimerspec *, struct itimerspec *) = dlsym(RTLD_NEXT, "timerfd_settime");
    return next ? next(fd, flags, new_value, old_value) : (int)syscall(SYS_timerfd_settime, fd, flags, new_value, old_value);
}
