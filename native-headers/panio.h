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
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <net/if.h>
/*
 * The kernel's own tcp.h rather than glibc's netinet/tcp.h: glibc's
 * struct tcp_info stops at tcpi_total_retrans, the kernel's goes on to
 * tcpi_bytes_acked, tcpi_bytes_received and later fields. getsockopt
 * fills as much as the length given, so a longer struct is safe on any
 * kernel. Both headers define the same TCP_* options.
 */
#include <linux/tcp.h>

/*
 * GNU extensions that glibc only declares under _GNU_SOURCE (where the
 * sockaddr parameters become the union above). Each is declared here
 * with the same ABI as glibc's declaration; the values and layouts are
 * the kernel's (include/linux/socket.h, include/uapi/linux/ipv6.h).
 */
struct timespec;
extern int accept4(int fd, struct sockaddr *addr, socklen_t *addr_len, int flags);
struct mmsghdr {
    struct msghdr msg_hdr;   /* the message */
    unsigned int msg_len;    /* bytes the call sent or received for it */
};
extern int sendmmsg(int fd, struct mmsghdr *vmessages, unsigned int vlen, int flags);
extern int recvmmsg(int fd, struct mmsghdr *vmessages, unsigned int vlen, int flags,
                    struct timespec *timeout);
struct ucred {               /* SO_PEERCRED, SCM_CREDENTIALS */
    pid_t pid;
    uid_t uid;
    gid_t gid;
};
enum { SCM_CREDENTIALS = 0x02 };
struct in6_pktinfo {         /* IPV6_PKTINFO */
    struct in6_addr ipi6_addr;
    unsigned int ipi6_ifindex;
};

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
#include <linux/sockios.h>
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
