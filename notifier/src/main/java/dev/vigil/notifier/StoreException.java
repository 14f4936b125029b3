package dev.vigil.notifier;

/** The store cannot be opened, read or written (a bad path, a full disk, a corrupt file). */
public final class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
