package dev.panio.net;

import dev.panio.internal.gen.tcp_info;
import java.lang.foreign.MemorySegment;

/**
 * What the kernel knows about a TCP connection ({@code getsockopt(TCP_INFO)}), read with
 * {@link Socket#getOption} and {@link LinuxSocketOptions#TCP_INFO}. Times are in
 * microseconds. Fields a kernel does not fill (older than the field) read as 0.
 *
 * @param state           the TCP state ({@link State})
 * @param retransmits     retransmissions of the current unacknowledged segment
 * @param rtoMicros       the retransmission timeout
 * @param rttMicros       the smoothed round-trip time
 * @param rttVarMicros    its variation
 * @param sendMss         the sender's maximum segment size
 * @param receiveMss      the receiver's maximum segment size
 * @param unacked         segments sent and not yet acknowledged
 * @param lost            segments thought lost
 * @param retransOut      segments retransmitted and not yet acknowledged
 * @param totalRetrans    retransmissions over the connection's life
 * @param sendCwnd        the congestion window, in segments
 * @param bytesSent       bytes sent, retransmissions included
 * @param bytesAcked      bytes the peer has acknowledged
 * @param bytesReceived   bytes received in order
 * @param notSentBytes    bytes written and not yet sent
 * @param probes          probes sent and not answered with room: zero-window probes while the
 *                        peer's window is closed (or keepalive probes)
 * @param sendWindow      the window the peer advertised last, in bytes (0: the peer has no
 *                        room; a kernel older than the field, {@code tcpi_snd_wnd}, reports 0 always)
 * @param receiveWindowLimitedMicros time spent unable to send because the peer's window was full
 */
public record TcpInfo(State state, int retransmits, long rtoMicros, long rttMicros, long rttVarMicros,
        int sendMss, int receiveMss, int unacked, int lost, int retransOut, int totalRetrans, int sendCwnd,
        long bytesSent, long bytesAcked, long bytesReceived, long notSentBytes, int probes, long sendWindow,
        long receiveWindowLimitedMicros) {

    /** TCP states, numbered as in the kernel's {@code tcp_states.h}. */
    public enum State {
        /** A number this enum does not know (0 is none of the kernel's states). */
        UNKNOWN,
        /** 1: open, data flows both ways. */
        ESTABLISHED,
        /** 2: SYN sent by {@code connect}, waiting for the SYN-ACK. */
        SYN_SENT,
        /** 3: SYN received, SYN-ACK sent, waiting for the ACK. */
        SYN_RECV,
        /** 4: this side closed first and sent FIN; waiting for its ACK. */
        FIN_WAIT1,
        /** 5: this side's FIN acknowledged; waiting for the peer's FIN. */
        FIN_WAIT2,
        /** 6: both sides closed; waiting out 2*MSL so stray segments die. */
        TIME_WAIT,
        /** 7: closed, or a socket not yet connected or listening. */
        CLOSE,
        /** 8: the peer closed (its FIN came); this side has not. */
        CLOSE_WAIT,
        /** 9: this side closed after the peer; waiting for the ACK of its FIN. */
        LAST_ACK,
        /** 10: listening. */
        LISTEN,
        /** 11: both sides sent FIN at once; waiting for the ACK. */
        CLOSING,
        /** 12: the request socket a listener keeps for a SYN it answered. */
        NEW_SYN_RECV,
        /** 13: sock_diag's pseudo-state for a socket bound but neither connected nor listening (its own state is {@link #CLOSE}). */
        BOUND_INACTIVE;

        /**
         * The state the kernel numbers {@code n} (as {@code TCP_INFO} and {@code /proc/net/tcp} give it).
         *
         * @param n the kernel's number
         * @return its state, or {@link #UNKNOWN} for a number this enum does not know
         */
        public static State of(int n) {
            State[] all = values();
            return n > 0 && n < all.length ? all[n] : UNKNOWN;
        }
    }

    static TcpInfo read(MemorySegment s) {
        return new TcpInfo(State.of(Byte.toUnsignedInt(tcp_info.tcpi_state(s))),
                Byte.toUnsignedInt(tcp_info.tcpi_retransmits(s)),
                Integer.toUnsignedLong(tcp_info.tcpi_rto(s)),
                Integer.toUnsignedLong(tcp_info.tcpi_rtt(s)),
                Integer.toUnsignedLong(tcp_info.tcpi_rttvar(s)),
                tcp_info.tcpi_snd_mss(s), tcp_info.tcpi_rcv_mss(s), tcp_info.tcpi_unacked(s), tcp_info.tcpi_lost(s),
                tcp_info.tcpi_retrans(s), tcp_info.tcpi_total_retrans(s), tcp_info.tcpi_snd_cwnd(s),
                tcp_info.tcpi_bytes_sent(s), tcp_info.tcpi_bytes_acked(s), tcp_info.tcpi_bytes_received(s),
                Integer.toUnsignedLong(tcp_info.tcpi_notsent_bytes(s)), Byte.toUnsignedInt(tcp_info.tcpi_probes(s)),
                Integer.toUnsignedLong(tcp_info.tcpi_snd_wnd(s)), tcp_info.tcpi_rwnd_limited(s));
    }
}
