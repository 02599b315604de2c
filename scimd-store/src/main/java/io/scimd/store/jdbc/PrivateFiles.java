package io.scimd.store.jdbc;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The data directory and the database files in it, made readable by their owner only: they hold
 * every identity and every credential hash. What scimd creates it creates so (directory {@code
 * 0700}, files {@code 0600}; the file mode is set at creation, so no other user ever had a moment
 * to open it). What already exists with looser permissions is left as it is and reported: an
 * operator may have chosen them (a backup agent in the group), and changing them silently would
 * surprise; the warning says how to tighten them. On a file system without POSIX permissions
 * nothing is set or checked.
 *
 * <p>SQLite creates its {@code -wal} and {@code -shm} files with the mode of the database file, so
 * creating {@code scimd.db} as {@code 0600} before SQLite opens it covers them too.
 */
final class PrivateFiles {
  private static final Set<PosixFilePermission> DIRECTORY =
      PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> OTHERS =
      EnumSet.complementOf(
          EnumSet.of(
              PosixFilePermission.OWNER_READ,
              PosixFilePermission.OWNER_WRITE,
              PosixFilePermission.OWNER_EXECUTE));

  private PrivateFiles() {}

  /**
   * Creates {@code dir} (and missing parents) as {@code 0700} when it does not exist.
   *
   * @return a warning for an existing directory that others may read or enter, else none
   * @throws IOException when it cannot be created
   */
  static List<String> directory(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      if (posix(dir)) {
        Files.createDirectories(dir, attribute(DIRECTORY));
      } else {
        Files.createDirectories(dir);
      }
      return List.of();
    }
    return check(dir, "the data directory", "chmod 700 ");
  }

  /**
   * Creates the empty file {@code file} as {@code 0600} when it does not exist (SQLite takes an
   * empty file for a new database).
   *
   * @return a warning for an existing file that others may read, else none
   * @throws IOException when it cannot be created
   */
  static List<String> file(Path file) throws IOException {
    if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS) && posix(file)) {
      try {
        Files.createFile(file, attribute(FILE));
        return List.of();
      } catch (FileAlreadyExistsException raced) {
        // another process created it first: check what it made
      }
    }
    return existing(file);
  }

  /** A warning when {@code file} exists and others may read or write it, else none. */
  static List<String> existing(Path file) throws IOException {
    if (!Files.exists(file)) {
      return List.of();
    }
    return check(file, "the database file", "chmod 600 ");
  }

  private static List<String> check(Path path, String what, String fix) throws IOException {
    PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
    if (view == null) {
      return List.of();
    }
    Set<PosixFilePermission> permissions = view.readAttributes().permissions();
    Set<PosixFilePermission> loose = EnumSet.noneOf(PosixFilePermission.class);
    loose.addAll(permissions);
    loose.retainAll(OTHERS);
    if (loose.isEmpty()) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    out.add(
        what
            + " "
            + path
            + " is open to other users ("
            + PosixFilePermissions.toString(permissions)
            + "); scimd leaves it so, run '"
            + fix
            + path
            + "' to make it private");
    return out;
  }

  private static boolean posix(Path path) {
    return path.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  private static FileAttribute<Set<PosixFilePermission>> attribute(
      Set<PosixFilePermission> permissions) {
    return PosixFilePermissions.asFileAttribute(permissions);
  }
}
