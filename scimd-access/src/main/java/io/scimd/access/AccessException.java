package io.scimd.access;

import java.util.List;

/**
 * A request the access model cannot answer as asked: its HTTP status (400, 404, 409) and every
 * problem found, each naming what to fix. Thrown before anything changed.
 */
public final class AccessException extends RuntimeException {
  private final int status;
  private final List<String> problems;

  public AccessException(int status, List<String> problems) {
    super(String.join("; ", problems));
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("an access error names at least one problem");
    }
    this.status = status;
    this.problems = List.copyOf(problems);
  }

  public static AccessException invalid(String problem) {
    return new AccessException(400, List.of(problem));
  }

  public static AccessException notFound(String problem) {
    return new AccessException(404, List.of(problem));
  }

  public int status() {
    return status;
  }

  /** Every problem, in one line: what an error body says. */
  public String detail() {
    return String.join("; ", problems);
  }

  public List<String> problems() {
    return problems;
  }
}
