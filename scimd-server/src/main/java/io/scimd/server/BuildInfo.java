package io.scimd.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * What this scimd was built from: the project version ({@code version.properties}, filtered by
 * Maven) and the git commit ({@code git.properties}, written by git-commit-id-maven-plugin). A
 * build from a source archive without {@code .git} has no commit and says so rather than fail.
 *
 * @param version the project version, e.g. {@code 0.3.0-SNAPSHOT}
 * @param commit the abbreviated commit id, or null when built without git
 * @param commitTime when that commit was made (ISO-8601), or null
 * @param dirty whether the working tree had uncommitted changes
 */
public record BuildInfo(
    String version, @Nullable String commit, @Nullable String commitTime, boolean dirty) {

  private static final BuildInfo CURRENT = load();

  /** This scimd's. */
  public static BuildInfo current() {
    return CURRENT;
  }

  /** {@code scimd 0.3.0 (commit 0123456789ab, 2026-12-03T10:00:00Z)}. */
  public String line() {
    String c = commit;
    if (c == null) {
      return "scimd " + version + " (commit unknown: built without git)";
    }
    return "scimd "
        + version
        + " (commit "
        + c
        + (dirty ? " with uncommitted changes" : "")
        + (commitTime == null ? "" : ", " + commitTime)
        + ")";
  }

  private static BuildInfo load() {
    Properties v = read("version.properties");
    Properties g = read("git.properties");
    String commit = blankToNull(g.getProperty("git.commit.id.abbrev"));
    return new BuildInfo(
        v.getProperty("version", "unknown"),
        commit,
        commit == null ? null : blankToNull(g.getProperty("git.commit.time")),
        Boolean.parseBoolean(g.getProperty("git.dirty")));
  }

  private static Properties read(String resource) {
    Properties p = new Properties();
    try (InputStream in = BuildInfo.class.getResourceAsStream(resource)) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the build's " + resource, e);
    }
    return p;
  }

  private static @Nullable String blankToNull(@Nullable String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }
}
