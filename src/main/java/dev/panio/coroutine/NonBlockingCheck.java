package dev.panio.coroutine;

import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import java.lang.ref.WeakReference;

/**
 * Refuses a blocking fd to a {@link Blocking} call on a virtual thread: its first system
 * call would block in the kernel and hold the carrier, with no interrupt or close able to
 * end it. The flag is read ({@code fcntl F_GETFL}) once per {@link FileDescriptor} object;
 * the table remembers which object was found non-blocking under each fd number. A flag
 * cleared afterwards through another path is not seen.
 */
final class NonBlockingCheck {
    // weak: a descriptor its owner forgot must stay collectable, so that its Cleaner closes it
    private static final FdSlots<WeakReference<FileDescriptor>> CHECKED = new FdSlots<>();

    private NonBlockingCheck() {}

    static void require(FileDescriptor fd, String call) throws ErrnoException {
        if (!Thread.currentThread().isVirtual()) return; // a platform thread may block: it holds no one else's carrier
        int raw = fd.intValue();
        WeakReference<FileDescriptor> seen = CHECKED.get(raw);
        if (seen != null && seen.get() == fd) return;
        if (!fd.isNonBlocking()) {
            throw new IllegalArgumentException(call + "(fd=" + raw + "): a blocking fd would hold this virtual thread's carrier "
                    + "in the kernel; open it non-blocking or call setNonBlocking(true) first");
        }
        CHECKED.set(raw, new WeakReference<>(fd));
    }
}
