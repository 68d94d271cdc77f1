#!/usr/bin/env bash
# Regenerates panio's FFM bindings from native-headers/ with an installed jextract.
#
#   scripts/jextract.sh                    regenerate src/main/java/dev/panio/internal/gen
#   scripts/jextract.sh --refresh-includes rebuild native-headers/panio-includes.txt from
#                                          the selection below, then regenerate
#
# jextract is found through $JEXTRACT or PATH. It is not in any package
# registry; see README.md ("Regenerating the bindings").
#
# The output is recorded in native-headers/GENERATED.sha256 (one line per file)
# together with the jextract version; GeneratedBindingsTest fails when a
# generated file no longer matches, so generated code is never edited by hand.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
headers="$root/native-headers"
pkg=dev.panio.internal.gen
out="$root/src/main/java"
gen="$out/${pkg//.//}"
jextract=${JEXTRACT:-jextract}
command -v "$jextract" >/dev/null || { echo "jextract not found (set JEXTRACT or put it on PATH)" >&2; exit 1; }

select_symbols() {
  # Everything the project calls, by kind. Constants by prefix; the rest by name.
  local dump=$1
  local functions='select|poll|ppoll|epoll_create1|epoll_ctl|epoll_wait|epoll_pwait|fcntl|open|read|write|readv|writev|pread|pwrite|close|dup|dup3|pipe2|ftruncate|lseek|socket|socketpair|bind|listen|accept4|connect|shutdown|setsockopt|getsockopt|getsockname|getpeername|send|recv|sendto|recvfrom|sendmsg|recvmsg|sendmmsg|recvmmsg|if_nametoindex|getuid|getgid|sendfile|fstat|eventfd|timerfd_create|timerfd_settime|timerfd_gettime|getrlimit|setrlimit|syscall|mmap|munmap|madvise|memfd_create|ioctl|getpid|gettid|kill|tgkill|signal|pthread_sigmask|sigemptyset|sigaddset|sigdelset|sigismember|signalfd'
  local structs='pollfd|epoll_event|sockaddr|sockaddr_in|sockaddr_in6|sockaddr_un|sockaddr_storage|in_addr|in6_addr|iovec|msghdr|mmsghdr|cmsghdr|ucred|in_pktinfo|in6_pktinfo|ip_mreqn|ipv6_mreq|tcp_info|linger|itimerspec|timespec|timeval|rlimit|f_owner_ex|stat|open_how|signalfd_siginfo|__kernel_timespec|io_uring_[a-z_]+|io_[sc]qring_offsets'
  local unions='epoll_data'
  local typedefs='fd_set|sigset_t|__sigset_t|socklen_t|nfds_t|epoll_data_t|rlim_t|sa_family_t|in_port_t|in_addr_t|pid_t|uid_t|gid_t'
  local constants='(EPOLL|POLL|O_|F_|FD_|SOCK_|AF_|SOL_|SO_|SCM_|TCP_|UDP_|IPPROTO_|IP_|IPV6_|MSG_|SIOC(IN|OUT)Q|TIOCOUTQ|IF_NAMESIZE|SHUT_|EFD_|TFD_|SFD_|IORING_|IOSQE_|IO_URING_|__NR_io_uring|__NR_gettid|__NR_openat2|__NR_readv|__NR_writev|__NR_sendmsg|__NR_recvmsg|RESOLVE_|S_IF|AT_FDCWD|RLIMIT_|RLIM_|PROT_|MAP_|MFD_|SIG_|SEEK_|FION|CLOCK_)[A-Za-z0-9_]*|E[A-Z0-9]+|SIG[A-Z0-9]+|SIGRTM(IN|AX)|__SIGRTM(IN|AX)'
  {
    echo "# jextract filters for native-headers/panio.h; made by scripts/jextract.sh --refresh-includes"
    grep -E "^--include-function ($functions)( |$)" "$dump" | awk '{print $1, $2}'
    grep -E "^--include-struct ($structs)( |$)" "$dump" | awk '{print $1, $2}'
    grep -E "^--include-union ($unions)( |$)" "$dump" | awk '{print $1, $2}'
    grep -E "^--include-typedef ($typedefs)( |$)" "$dump" | awk '{print $1, $2}'
    grep -E "^--include-constant ($constants)( |$)" "$dump" | awk '{print $1, $2}'
  } | LC_ALL=C sort -u
}

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
if [[ ${1:-} == --refresh-includes ]]; then
  (cd "$work" && "$jextract" --dump-includes "$work/all.txt" "$headers/panio.h" >/dev/null 2>&1)
  select_symbols "$work/all.txt" > "$headers/panio-includes.txt"
  echo "wrote $(grep -c '^--' "$headers/panio-includes.txt") filters to native-headers/panio-includes.txt"
fi

rm -rf "$gen"
(cd "$work" && "$jextract" --target-package "$pkg" --header-class-name LibC \
    --output "$work/out" @"$headers/panio-includes.txt" "$headers/panio.h") 2> "$work/jextract.log" \
  || { cat "$work/jextract.log" >&2; exit 1; }
grep -v 'bitfields are not supported' "$work/jextract.log" >&2 || true

# jextract's master emits SymbolLookup.findOrThrow, added in Java 23. panio
# targets --release 22, so spell it with the Java 22 API: find(..).orElseThrow().
find "$work/out" -name '*.java' -exec \
  sed -i -E 's/SYMBOL_LOOKUP\.findOrThrow\(("[^"]*")\)/SYMBOL_LOOKUP.find(\1).orElseThrow(() -> new UnsatisfiedLinkError("unresolved symbol: " + \1))/g' {} +
if grep -rq 'findOrThrow' "$work/out"; then
  echo "jextract output still uses findOrThrow; extend the rewrite in $0" >&2; exit 1
fi

mkdir -p "$gen"
cp "$work/out/${pkg//.//}"/*.java "$gen/"
{
  echo "# $("$jextract" --version 2>&1 | tr -s '\n ' '  ' | sed 's/ *$//')"
  (cd "$out" && LC_ALL=C sha256sum "${pkg//.//}"/*.java)
} > "$headers/GENERATED.sha256"
echo "generated $(ls "$gen" | wc -l) files into ${gen#"$root"/}"
