package io.scimd.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Keeps a second server off an SQLite data directory: {@value #FILE} in it, locked with {@link
 * FileChannel#tryLock} for as long as the server runs and holding its process id, so that the next
 * server can say who holds it. Two servers on one SQLite file would each keep their own caches,
 * rate budgets and delivery workers over one store; they must not both run. The operating system
 * drops the lock when the process ends, however it ends, so a crash leaves no stale lock to remove
 * (the file stays; its content is only a hint). Commands other than {@code serve} take no lock:
 * they run beside a server, as the README says, and SQLite serialises their writes.
 */
final class DataDirectoryLock implements AutoCloseable {
  static final String FILE = "scimd.lock";

  private final FileChannel channel;
  private final FileLock lock;

  private DataDirectoryLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Locks {@code dataDir} (created readable by its owner only when missing) for this process.
   *
   * @throws IllegalStateException naming the directory, and the process id holding it if known,
   *     when another server (in this process or another) holds it, or when it cannot be locked
   */
  static DataDirectoryLock acquire(Path dataDir) {
    Path dir = dataDir.toAbsolutePath().normalize();
    Path file = dir.resolve(FILE);
    boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    FileChannel channel;
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(
            dir,
            posix
                ? new FileAttribute<?>[] {
                  PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))
                }
                : new FileAttribute<?>[0]);
      }
      channel =
          posix
              ? FileChannel.open(
                  file,
                  Set.of(
                      StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE),
                  PosixFilePermissions.asFileAttribute(
                      PosixFilePermissions.fromString("rw-------")))
              : FileChannel.open(
                  file,
                  StandardOpenOption.CREATE,
                  StandardOpenOption.READ,
                  StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot lock the data directory " + dir + ": " + e.getMessage(), e);
    }
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // a server in this very process holds it
    } catch (IOException e) {
      close(channel);
      throw new IllegalStateException(
          "cannot lock the data directory " + dir + ": " + e.getMessage(), e);
    }
    if (lock == null) {
      String holder = holder(channel);
      close(channel);
      throw new IllegalStateException(
          "the data directory "
              + dir
              + " is in use by another scimd server"
              + (holder == null ? "" : " (pid " + holder + ")")
              + ": stop it first, or give this one another --data");
    }
    try {
      channel.truncate(0);
      channel.write(
          ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)),
          0);
    } catch (IOException e) {
      // the pid is only a hint for the next server's message; the lock is what counts
    }
    return new DataDirectoryLock(channel, lock);
  }

  /** The process id the holder wrote, if it reads as one. */
  private static @Nullable String holder(FileChannel channel) {
    try {
      ByteBuffer buf = ByteBuffer.allocate(32);
      channel.read(buf, 0);
      String s = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).strip();
      return s.matches("\\d{1,10}") ? s : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static void close(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // nothing was locked
    }
  }

  /** Releases the lock; the file stays (removing it would race with the next server's lock). */
  @Override
  public void close() {
    try {
      lock.release();
    } catch (IOException ignored) {
      // closing the channel releases it too
    }
    close(channel);
  }
}
