/*
 * The physical-limit reference for scripts/bench-http.sh: a plaintext HTTP server in C on
 * edge-triggered epoll, one event loop per thread, each thread with its own listening
 * socket in one SO_REUSEPORT group (as panio's EventLoopGroup does). It answers every
 * request with the same bytes as panio's demo server ("Server: panio", a Date header
 * re-encoded once a second, text/plain "Hello, World!"), and does the least a correct
 * server can: a request ends at its blank line (GET without a body is all the benchmark
 * sends; a request with a body is refused and the connection closed), pipelined answers
 * go out in one send, and what the socket does not take waits for EPOLLOUT.
 *
 * Like Netty's edge-triggered transport it stops reading when a read returns less than
 * it asked for: the receive queue was empty then, and data arriving later raises a new
 * edge, so the extra read that would only return EAGAIN is not made.
 *
 *   gcc -O2 -o plaintext_epoll plaintext_epoll.c -lpthread
 *   plaintext_epoll PORT [THREADS]      (binds 127.0.0.1; SIGTERM or SIGINT ends it)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define IN_CAP (16 * 1024)
#define MAX_EVENTS 512

static const char BODY[] = "Hello, World!";
static int port;

struct conn {
    int fd;
    size_t in_len;
    char *out;        /* bytes the socket did not take yet */
    size_t out_len, out_off, out_cap;
    char in[IN_CAP];
};

struct loop {
    int epfd, listener;
    time_t date_second;
    char response[256];
    size_t response_len;
    char *batch;      /* the answers to one read's requests, sent together */
    size_t batch_cap;
};

static void die(const char *what) {
    perror(what);
    exit(1);
}

static void refresh_response(struct loop *l) {
    time_t now = time(NULL);
    if (now == l->date_second) return;
    l->date_second = now;
    struct tm tm;
    gmtime_r(&now, &tm);
    char date[64];
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    l->response_len = (size_t) snprintf(l->response, sizeof l->response,
            "HTTP/1.1 200 OK\r\nServer: panio\r\nDate: %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n\r\n%s",
            date, sizeof BODY - 1, BODY);
}

static void close_conn(struct conn *c) {
    close(c->fd); /* also leaves the epoll set */
    free(c->out);
    free(c);
}

/* Keeps bytes[from..len) for EPOLLOUT. */
static int keep(struct conn *c, const char *bytes, size_t len) {
    size_t pending = c->out_len - c->out_off;
    if (pending + len > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : 4096;
        while (cap < pending + len) cap *= 2;
        char *n = malloc(cap);
        if (!n) return -1;
        memcpy(n, c->out + c->out_off, pending);
        free(c->out);
        c->out = n;
        c->out_cap = cap;
    } else if (c->out_off) {
        memmove(c->out, c->out + c->out_off, pending);
    }
    c->out_off = 0;
    memcpy(c->out + pending, bytes, len);
    c->out_len = pending + len;
    return 0;
}

/* Sends what waits; 0 when all went or EAGAIN, -1 when the connection is to be closed. */
static int flush(struct conn *c) {
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno == EAGAIN ? 0 : -1;
        }
        c->out_off += (size_t) n;
    }
    c->out_off = c->out_len = 0;
    return 0;
}

/* Sends this read's answers, after anything still waiting. */
static int send_batch(struct loop *l, struct conn *c, size_t len) {
    if (len == 0) return 0;
    if (c->out_off < c->out_len) return keep(c, l->batch, len); /* EPOLLOUT will come */
    size_t off = 0;
    while (off < len) {
        ssize_t n = send(c->fd, l->batch + off, len - off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) return keep(c, l->batch + off, len - off);
            return -1;
        }
        off += (size_t) n;
    }
    return 0;
}

/* Answers every complete request in c->in; keeps a partial one. -1: close the connection. */
static int answer(struct loop *l, struct conn *c) {
    size_t start = 0, batch_len = 0;
    for (;;) {
        char *end = memmem(c->in + start, c->in_len - start, "\r\n\r\n", 4);
        if (!end) break;
        size_t head_end = (size_t) (end - c->in) + 4;
        const char *r = c->in + start;
        size_t head_len = head_end - start;
        if (head_len < 14 || memcmp(r, "GET ", 4) != 0) return -1; /* the benchmark sends only GETs */
        if (batch_len + l->response_len > l->batch_cap) {
            size_t cap = l->batch_cap * 2;
            char *n = realloc(l->batch, cap);
            if (!n) return -1;
            l->batch = n;
            l->batch_cap = cap;
        }
        memcpy(l->batch + batch_len, l->response, l->response_len);
        batch_len += l->response_len;
        start = head_end;
    }
    if (start == 0 && c->in_len == IN_CAP) return -1; /* a head larger than the buffer */
    if (start > 0) {
        memmove(c->in, c->in + start, c->in_len - start);
        c->in_len -= start;
    }
    return send_batch(l, c, batch_len);
}

/* Reads until the queue is found empty: EAGAIN, or a read shorter than asked for. */
static int readable(struct loop *l, struct conn *c) {
    for (;;) {
        size_t want = IN_CAP - c->in_len;
        ssize_t n = read(c->fd, c->in + c->in_len, want);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno == EAGAIN ? 0 : -1;
        }
        if (n == 0) return -1;
        c->in_len += (size_t) n;
        if (answer(l, c) < 0) return -1;
        if ((size_t) n < want) return 0;
    }
}

static void accept_all(struct loop *l) {
    for (;;) {
        int fd = accept4(l->listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            return; /* EAGAIN, or EMFILE: the level-triggered listener reports it again */
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct conn *c = calloc(1, sizeof *c);
        if (!c) {
            close(fd);
            continue;
        }
        c->fd = fd;
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
        if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) close_conn(c);
    }
}

static void *run(void *arg) {
    (void) arg;
    struct loop l = {0};
    l.batch_cap = 64 * 1024;
    l.batch = malloc(l.batch_cap);
    l.listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (l.listener < 0 || !l.batch) die("socket");
    int one = 1;
    setsockopt(l.listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(l.listener, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t) port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(l.listener, (struct sockaddr *) &a, sizeof a) < 0) die("bind");
    if (listen(l.listener, 1024) < 0) die("listen");
    l.epfd = epoll_create1(EPOLL_CLOEXEC);
    if (l.epfd < 0) die("epoll_create1");
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    if (epoll_ctl(l.epfd, EPOLL_CTL_ADD, l.listener, &lev) < 0) die("epoll_ctl");
    struct epoll_event events[MAX_EVENTS];
    for (;;) {
        int n = epoll_wait(l.epfd, events, MAX_EVENTS, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        refresh_response(&l);
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (!c) {
                accept_all(&l);
                continue;
            }
            uint32_t e = events[i].events;
            int bad = 0;
            if (e & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)) bad = readable(&l, c) < 0;
            if (!bad && (e & EPOLLOUT)) bad = flush(c) < 0;
            if (bad) close_conn(c);
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s PORT [THREADS]\n", argv[0]);
        return 2;
    }
    port = atoi(argv[1]);
    int threads = argc > 2 ? atoi(argv[2]) : 1;
    if (port <= 0 || port > 65535 || threads < 1) {
        fprintf(stderr, "bad port or thread count\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    pthread_t t[threads];
    for (int i = 0; i < threads; i++)
        if (pthread_create(&t[i], NULL, run, NULL) != 0) die("pthread_create");
    printf("C edge-triggered epoll plaintext server on 127.0.0.1:%d, %d loop(s)\n", port, threads);
    fflush(stdout);
    for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
    return 0;
}
