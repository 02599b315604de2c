package io.scimd.sync.mapping;

import java.util.List;

/**
 * A mapping or scope that cannot be used, or a value that a saved mapping could not write. Each
 * problem names the resource type and attribute it is about ({@code User.userName: ...}), so the
 * operator who saves a target sees every mistake at once, not the first one at 3 a.m.
 */
public final class MappingException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  MappingException(List<String> problems) {
    super(String.join("\n", problems));
    this.problems = List.copyOf(problems);
  }

  static MappingException of(String problem) {
    return new MappingException(List.of(problem));
  }

  /** Every problem found, one sentence each, in the order of the spec. */
  public List<String> problems() {
    return problems;
  }
}
