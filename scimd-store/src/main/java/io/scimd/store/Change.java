package io.scimd.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What one store write actually changed, as the change journal records it ({@link JournalEntry}): a
 * resource created, replaced (PUT), patched, deleted, or members added to or removed from a group.
 * A write that changes nothing reports nothing: adding a member that is already there, or a PUT of
 * the same attributes, is no change. One kind changes nothing but belongs in the same audit trail:
 * {@link AuthFailed}, the failed authentications a node saw in a window of time, counted.
 *
 * <p>Values of attributes that are never returned or write-only ({@code password}) are never
 * recorded: the attribute is named in {@link Created#redacted()} or as an {@link
 * AttributeChange#redacted()} change, so a reader knows it changed, never what it is.
 */
public sealed interface Change {

  /** The resource type of the changed resource ({@code User}, {@code Group}, ...). */
  String resourceType();

  String resourceId();

  Kind kind();

  /** The kinds of change, with the name the journal stores. */
  enum Kind {
    CREATED,
    REPLACED,
    PATCHED,
    DELETED,
    MEMBERS_ADDED,
    MEMBERS_REMOVED,
    AUTH_FAILED;

    /** {@code created}, {@code members_added}, ...: the journal's {@code kind} column. */
    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Kind ofWire(String wire) {
      return valueOf(wire.toUpperCase(Locale.ROOT));
    }
  }

  /**
   * A new resource: its attributes as stored (without id, meta, members), version 1. Members a
   * create adds follow as {@link MembersAdded}.
   */
  record Created(
      String resourceType, String resourceId, ObjectNode attributes, List<String> redacted)
      implements Change {
    public Created {
      redacted = List.copyOf(redacted);
    }

    @Override
    public Kind kind() {
      return Kind.CREATED;
    }
  }

  /** A PUT that changed attributes: each changed attribute with its value before and after. */
  record Replaced(
      String resourceType, String resourceId, long version, List<AttributeChange> attributes)
      implements Change {
    public Replaced {
      attributes = List.copyOf(attributes);
    }

    @Override
    public Kind kind() {
      return Kind.REPLACED;
    }
  }

  /**
   * A PATCH that changed attributes (membership changes are {@link MembersAdded}/{@link
   * MembersRemoved}).
   */
  record Patched(
      String resourceType, String resourceId, long version, List<AttributeChange> attributes)
      implements Change {
    public Patched {
      attributes = List.copyOf(attributes);
    }

    @Override
    public Kind kind() {
      return Kind.PATCHED;
    }
  }

  /**
   * A deleted resource, with the attributes it had (an auditor asks what was deleted, not only its
   * id). The groups that held it follow as {@link MembersRemoved} with {@link
   * MembersRemoved#memberDeleted()}.
   */
  record Deleted(
      String resourceType,
      String resourceId,
      long version,
      ObjectNode attributes,
      List<String> redacted)
      implements Change {
    public Deleted {
      redacted = List.copyOf(redacted);
    }

    @Override
    public Kind kind() {
      return Kind.DELETED;
    }
  }

  /**
   * Members that were really added to a group (those already in it are not listed). A large change
   * is journaled as several entries of at most {@link #MAX_MEMBERS_PER_ENTRY} members each.
   */
  record MembersAdded(String resourceType, String resourceId, List<Member> members)
      implements Change {
    public MembersAdded {
      members = List.copyOf(members);
    }

    @Override
    public Kind kind() {
      return Kind.MEMBERS_ADDED;
    }
  }

  /**
   * Members that were really removed from a group: by a request on the group, or because the member
   * itself was deleted ({@code memberDeleted}). Chunked like {@link MembersAdded}.
   */
  record MembersRemoved(
      String resourceType, String resourceId, List<Member> members, boolean memberDeleted)
      implements Change {
    public MembersRemoved {
      members = List.copyOf(members);
    }

    @Override
    public Kind kind() {
      return Kind.MEMBERS_REMOVED;
    }
  }

  /**
   * Failed authentications one node saw in one window of time from one source address, for one
   * reason (and, when the token was a credential that no longer works, that credential), counted
   * rather than journaled one by one: a flood of bad tokens costs one entry per window, not one per
   * request (docs/decisions/0015-audit-queries.md). It changes nothing; it is journaled so that the
   * audit trail chains, signs, verifies, exports and prunes it like every other entry. Its resource
   * is {@value #RESOURCE_TYPE} and the source address ({@value #OTHER_SOURCES} for the bucket of
   * addresses beyond the node's cap).
   *
   * @param source the client address the failures came from; null for the other-sources bucket
   * @param count how many requests failed
   * @param first when the first of them failed
   * @param last when the last of them failed
   * @param node the node that saw them (each node counts its own)
   * @param credential the credential the token was, when it was one (expired, revoked, a client
   *     secret); null for a token no credential has, or none was looked up
   */
  record AuthFailed(
      @Nullable String source,
      Reason reason,
      long count,
      Instant first,
      Instant last,
      String node,
      @Nullable Credential credential)
      implements Change {
    /** The journal's resource type of failed authentications. */
    public static final String RESOURCE_TYPE = "AuthFailure";

    /** The resource id of the failures from addresses beyond a node's cap, counted together. */
    public static final String OTHER_SOURCES = "other-sources";

    public AuthFailed {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(first, "first");
      Objects.requireNonNull(last, "last");
      Objects.requireNonNull(node, "node");
      if (count < 1) {
        throw new IllegalArgumentException("a failure summary counts at least one failure");
      }
    }

    @Override
    public String resourceType() {
      return RESOURCE_TYPE;
    }

    @Override
    public String resourceId() {
      return source != null ? source : OTHER_SOURCES;
    }

    @Override
    public Kind kind() {
      return Kind.AUTH_FAILED;
    }

    /** Why the token did not authenticate. */
    public enum Reason {
      /** It looks like one of our tokens, but its checksum is wrong: a typo or a guess. */
      MALFORMED,
      /** No credential has it (never issued, or its record was deleted). */
      UNKNOWN,
      /** A credential that expired. */
      EXPIRED,
      /** A credential that was revoked, or whose client was deleted. */
      REVOKED,
      /** An OAuth client secret, sent as a bearer token; it is only good at the token endpoint. */
      CLIENT_SECRET,
      /**
       * Not looked up: more distinct tokens came from this address in the window than a node looks
       * up, so these are counted without knowing whether they were ever credentials.
       */
      UNCHECKED;

      /** {@code malformed}, {@code client_secret}, ...: the stored name. */
      public String wire() {
        return name().toLowerCase(Locale.ROOT);
      }

      public static Reason ofWire(String wire) {
        return valueOf(wire.toUpperCase(Locale.ROOT));
      }
    }

    /**
     * The credential a failing token was, as the journal names it: never the secret, nor its hash.
     */
    public record Credential(String id, String hint, String clientId, String clientName) {
      public Credential {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(hint, "hint");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(clientName, "clientName");
      }
    }
  }

  /**
   * One attribute's change: its path ({@code active}, {@code name}, or URN-qualified for an
   * extension's attribute), its value before and after (null when absent), or neither when {@code
   * redacted}.
   */
  record AttributeChange(
      String path, @Nullable JsonNode before, @Nullable JsonNode after, boolean redacted) {
    public AttributeChange {
      Objects.requireNonNull(path, "path");
      if (redacted && (before != null || after != null)) {
        throw new IllegalArgumentException("a redacted change carries no values");
      }
    }
  }

  /** The most members one journal entry lists: bounds the size of an entry, whatever the change. */
  int MAX_MEMBERS_PER_ENTRY = 1_000;
}
