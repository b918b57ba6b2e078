// Counts the server's calls to libc's send functions (LD_PRELOAD), so the bench can read how many
// send syscalls a delivery costs from inside the process, in the same runs as its CPU figures (strace
// would stop the process on every call). The counters are read with sendcount_get through P/Invoke.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static atomic_long counts[5]; // send, sendto, sendmsg, write, writev

typedef ssize_t (*send_fn)(int, const void *, size_t, int);
typedef ssize_t (*sendto_fn)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
typedef ssize_t (*sendmsg_fn)(int, const struct msghdr *, int);
typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*writev_fn)(int, const struct iovec *, int);

#define REAL(name) static name##_fn real_##name; if (!real_##name) real_##name = (name##_fn)dlsym(RTLD_NEXT, #name)

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
    REAL(send);
    atomic_fetch_add_explicit(&counts[0], 1, memory_order_relaxed);
    return real_send(fd, buf, len, flags);
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to, socklen_t tolen)
{
    REAL(sendto);
    atomic_fetch_add_explicit(&counts[1], 1, memory_order_relaxed);
    return real_sendto(fd, buf, len, flags, to, tolen);
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
    REAL(sendmsg);
    atomic_fetch_add_explicit(&counts[2], 1, memory_order_relaxed);
    return real_sendmsg(fd, msg, flags);
}

ssize_t write(int fd, const void *buf, size_t len)
{
    REAL(write);
    atomic_fetch_add_explicit(&counts[3], 1, memory_order_relaxed);
    return real_write(fd, buf, len);
}

ssize_t writev(int fd, const struct iovec *iov, int count)
{
    REAL(writev);
    atomic_fetch_add_explicit(&counts[4], 1, memory_order_relaxed);
    return real_writev(fd, iov, count);
}

long sendcount_get(int which)
{
    return which >= 0 && which < 5 ? atomic_load(&counts[which]) : -1;
}
