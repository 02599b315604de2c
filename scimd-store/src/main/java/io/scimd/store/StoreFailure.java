package io.scimd.store;

/**
 * The database failed in a way no caller can act on: scimd's own SQL, a damaged file, a full disk.
 * It is neither a conflict nor the client's to fix, so it must not be read as one: the servers
 * answer it as an internal error, logged with its cause, and tell the client nothing of it.
 */
public final class StoreFailure extends RuntimeException {
  public StoreFailure(String message, Throwable cause) {
    super(message, cause);
  }
}
