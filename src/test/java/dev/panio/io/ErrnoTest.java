package dev.panio.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.panio.internal.gen.LibC;
import org.junit.jupiter.api.Test;

class ErrnoTest {
    @Test
    void namesAndDescriptionsComeFromJnrConstantsAndMatchTheHeaders() {
        assertEquals("EAGAIN", Errno.of(LibC.EAGAIN()).name());
        assertEquals("Resource temporarily unavailable", Errno.EAGAIN.description());
        assertEquals("ECONNREFUSED (Connection refused)", Errno.of(LibC.ECONNREFUSED()).toString());
        assertSame(Errno.of(-LibC.EBADF()), Errno.EBADF);
        // every constant declared here has the number glibc's headers give it
        assertEquals(LibC.EPIPE(), Errno.EPIPE.code());
        assertEquals(LibC.EINPROGRESS(), Errno.EINPROGRESS.code());
        assertEquals(LibC.ECANCELED(), Errno.ECANCELED.code());
        assertEquals(LibC.ETIME(), Errno.ETIME.code());
        assertEquals(LibC.ENOBUFS(), Errno.ENOBUFS.code());
    }

    @Test
    void unknownNumbersStillHaveAName() {
        assertEquals("E4000", Errno.of(4000).name());
        assertEquals(Errno.of(Integer.MAX_VALUE).name(), Errno.of(Integer.MIN_VALUE).name(), "abs(MIN_VALUE) is negative: still a name, no exception");
    }

    @Test
    void everyCallerGetsTheSameInstanceEvenWhenThreadsMakeItAtOnce() throws Exception {
        int threads = 8;
        for (int round = 0; round < 50; round++) {
            int code = 3000 + round; // made at first use: not one of the declared constants
            Errno[] got = new Errno[threads];
            java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
            Thread[] ts = new Thread[threads];
            for (int i = 0; i < threads; i++) {
                int k = i;
                ts[i] = Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                    got[k] = Errno.of(k % 2 == 0 ? code : -code);
                });
            }
            for (Thread t : ts) t.join();
            for (Errno e : got) assertSame(got[0], e, "code " + code);
            assertSame(got[0], Errno.of(code));
        }
        for (int code = 0; code < 4096; code++) assertSame(Errno.of(code), Errno.of(-code));
    }

    @Test
    void messageNamesCallDetailAndFd() {
        ErrnoException e = new ErrnoException("epoll_ctl", "ADD", 12, Errno.EBADF);
        assertEquals("epoll_ctl(ADD, fd=12): EBADF (Bad file descriptor)", e.getMessage());
        assertEquals("socket(): EMFILE (Too many open files)", new ErrnoException("socket", -1, Errno.EMFILE).getMessage());
    }
}
