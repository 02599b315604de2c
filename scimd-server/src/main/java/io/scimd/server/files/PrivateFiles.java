package io.scimd.server.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.UUID;

/**
 * The rules every private key file of a server follows (the audit signing key, the hub key): it is
 * created readable by its owner only, in one step that no reader can see half-done, and refused
 * when others may read it, as ssh refuses a private key anyone can read. One place, so that every
 * key file is held to the same rules.
 */
public final class PrivateFiles {
  private static final Set<PosixFilePermission> OWNER_ONLY =
      EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

  private PrivateFiles() {}

  /**
   * Refuses {@code file} when its group or others may read or write it.
   *
   * @param what the file for people, e.g. "the audit signing key"
   * @throws IllegalArgumentException naming the file, its mode and the fix
   * @throws IOException when its mode cannot be read
   */
  public static void requireOwnerOnly(Path file, String what) throws IOException {
    if (!posix(file)) {
      return;
    }
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
    if (!OWNER_ONLY.containsAll(perms)) {
      throw new IllegalArgumentException(
          what
              + " "
              + file
              + " may be read by others ("
              + PosixFilePermissions.toString(perms)
              + "): make it readable by its owner only (chmod 600)");
    }
  }

  /**
   * Writes {@code content} as the new file {@code file}, readable by its owner only: to a temporary
   * file created owner-only, then linked into place, so that no one ever reads a half-written key
   * and two processes creating it at once end up with one (the loser keeps the winner's).
   *
   * @param what the file for people, in the message when its path names no file
   * @return false when another process created {@code file} first (nothing was written)
   */
  public static boolean createOnce(Path file, byte[] content, String what) throws IOException {
    Path dir = directory(file, what);
    Files.createDirectories(dir);
    Path tmp = dir.resolve("." + file.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      write(tmp, content, true);
      try {
        Files.createLink(file, tmp);
      } catch (FileAlreadyExistsException e) {
        return false;
      } catch (UnsupportedOperationException e) {
        Files.move(tmp, file);
      }
      return true;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Writes {@code content} as the new file {@code path} (it must not exist), owner-only when {@code
   * secret}.
   */
  public static void write(Path path, byte[] content, boolean secret) throws IOException {
    FileAttribute<?>[] attrs =
        secret && posix(directory(path, "the file"))
            ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
            : new FileAttribute<?>[0];
    try (SeekableByteChannel ch =
        Files.newByteChannel(
            path, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), attrs)) {
      ch.write(ByteBuffer.wrap(content));
    }
  }

  private static Path directory(Path file, String what) {
    Path dir = file.toAbsolutePath().getParent();
    if (dir == null) {
      throw new IllegalArgumentException(what + "'s path " + file + " names no file");
    }
    return dir;
  }

  private static boolean posix(Path p) {
    return p.getFileSystem().supportedFileAttributeViews().contains("posix");
  }
}
