package dev.panio.uring;

/**
 * Receives completions from {@link IoUring#forEachCompletion}: one call per CQE, with its
 * fields as primitives, so delivering a completion allocates nothing.
 */
@FunctionalInterface
public interface CompletionHandler {
    /**
     * Takes one completion.
     *
     * @param userData the submission's {@link Sqe#userData(long) user data}
     * @param res      the result: bytes, a new fd, 0, or {@code -errno}
     * @param flags    {@code IORING_CQE_F_*} bits; see {@link IoUring#CQE_F_MORE},
     *                 {@link IoUring#CQE_F_BUFFER} and {@link IoUring#bufferId(int)}
     */
    void complete(long userData, int res, int flags);
}
