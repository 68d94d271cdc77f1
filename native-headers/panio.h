/*
 * The one C header jextract reads to generate panio's bindings
 * (package dev.panio.internal.gen). Only the symbols named in
 * panio-includes.txt are generated; see scripts/jextract.sh.
 *
 * Phase 1 parses the socket API in glibc's default (non-GNU) view.
 * Under _GNU_SOURCE glibc declares the sockaddr parameters of bind,
 * connect, accept, getsockname and getpeername as a transparent
 * union, which jextract turns into a by-value union that does not
 * compile. In the default view they are plain pointers, which is the
 * ABI anyway.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

/*
 * accept4 is a GNU extension, so glibc only declares it under
 * _GNU_SOURCE (with the union). Same ABI as glibc's declaration.
 */
extern int accept4(int fd, struct sockaddr *addr, socklen_t *addr_len, int flags);

/*
 * Phase 2: everything else, with the GNU extensions panio needs
 * (pipe2, dup3, ppoll, gettid, memfd_create, F_SETSIG, F_SETOWN_EX,
 * struct f_owner_ex). features.h has already run, so _GNU_SOURCE
 * would have no effect here; __USE_GNU is the switch glibc's headers
 * test.
 */
#define __USE_GNU 1

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <linux/io_uring.h>
#include <linux/openat2.h>
#include <linux/time_types.h>
