package io.scimd.store;

import org.jspecify.annotations.Nullable;

/**
 * One member of a group: the member's id, its resource type ({@code User} or {@code Group}) and the
 * {@code display} the client gave it. On input {@code type} is only a hint: the store takes the
 * member's real type from the id. {@code display} is kept as sent (RFC 7643 §2.4 makes it
 * immutable, not readOnly); null means none was sent, and reads then show the member's own.
 */
public record Member(String value, @Nullable String type, @Nullable String display) {
  /** A member without a client-given display. */
  public Member(String value, @Nullable String type) {
    this(value, type, null);
  }
}
