package io.scimd.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.resource.Meta;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The writes of the store contract, inside one transaction ({@link Store#write}). Reads in a
 * transaction see its own writes, and a resource read with {@link #getForUpdate} cannot change
 * under the transaction (SQLite: the single writer; PostgreSQL: a row lock).
 */
public interface StoreTx extends StoreReader {

  /** Reads a resource and locks it against concurrent writers until the transaction ends. */
  Optional<StoredResource> getForUpdate(String type, String id, Load load);

  /**
   * The meta of a resource, locked as {@link #getForUpdate} locks it, without reading its
   * attributes: all that a write needs that checks {@code If-Match} and then changes only a group's
   * members ({@link #touch}).
   */
  Optional<Meta> metaForUpdate(String type, String id);

  /**
   * Stores a new resource with a fresh id, version 1 and {@code created == lastModified == now},
   * and journals it ({@link Change.Created}). {@code attributes} must not contain {@code
   * members}/{@code groups}: members go through {@link #addMembers} afterwards.
   *
   * @throws ScimException 409 {@code uniqueness} when a {@code uniqueness: server} attribute
   *     collides (case-insensitively where it is not caseExact)
   */
  StoredResource insert(String type, ObjectNode attributes);

  /**
   * As {@link #insert(String, ObjectNode)}, with the id {@code id} instead of a fresh one: what
   * {@code scimd import} uses so that the references between the resources of an export (group
   * members, agent owners) survive. The caller checks first that no resource of {@code type} has
   * that id ({@link #get}); {@code id} must be a {@link #validId valid id}.
   *
   * @throws IllegalArgumentException for an id that is not valid
   * @throws ScimException 409 {@code uniqueness} as for insert
   * @throws UnsupportedOperationException from a store that cannot keep ids
   */
  default StoredResource insert(String type, String id, ObjectNode attributes) {
    throw new UnsupportedOperationException("this store cannot insert a resource with a given id");
  }

  /**
   * Whether {@code id} may be a resource's id: 1 to 255 printable ASCII characters other than
   * {@code /}, {@code ?} and {@code #} (it is a URL path segment), not {@code .} or {@code ..}.
   */
  static boolean validId(String id) {
    if (id.isEmpty() || id.length() > 255 || id.equals(".") || id.equals("..")) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char ch = id.charAt(i);
      if (ch <= ' ' || ch > '~' || ch == '/' || ch == '?' || ch == '#' || ch == '%') {
        return false;
      }
    }
    return true;
  }

  /**
   * Replaces a resource's stored attributes (a PUT), bumps its version and lastModified, and
   * journals the attributes that really changed ({@link Change.Replaced}; none: no entry).
   *
   * @throws ScimException 404 for an unknown id, 409 {@code uniqueness} as for insert
   */
  Updated replace(String type, String id, ObjectNode attributes);

  /** As {@link #replace}, for a PATCH ({@link Change.Patched}). */
  Updated patch(String type, String id, ObjectNode attributes);

  /**
   * Bumps a resource's version and lastModified as {@link #patch} would, leaving its attributes as
   * they are, and journals nothing: what a PATCH that changed only a group's members ends with (the
   * ETag covers members; {@link #addMembers} and {@link #removeMembers} journaled the change).
   *
   * @return the resource's new meta
   * @throws ScimException 404 for an unknown id
   */
  Meta touch(String type, String id);

  /** A resource after {@link #replace}/{@link #patch}, and which of its attributes changed. */
  record Updated(StoredResource resource, List<Change.AttributeChange> changes) {
    public Updated {
      changes = List.copyOf(changes);
    }
  }

  /**
   * Deletes a resource, its memberships as a member, and (for a group) its member rows; journals
   * {@link Change.Deleted}, then a {@link Change.MembersRemoved} for each group that held it.
   *
   * @return the deletion, or empty when there was no such resource
   */
  Optional<Change.Deleted> delete(String type, String id);

  /**
   * Adds members to a group, ignoring ones already there. Costs O(members added), whatever the size
   * of the group: no probe per member, the insert itself tells which rows are new. Each member is
   * stored with its real type, whatever type it was given, and with the display it was given, if
   * any.
   *
   * @return the members really added, with their resource types, in the order given
   * @throws ScimException 400 {@code invalidValue} naming a member id that is no resource, or a
   *     group that would contain itself
   */
  List<Member> addMembers(String groupId, Collection<Member> members);

  /**
   * Removes those member ids from a group; ids not in it are ignored. O(ids).
   *
   * @return the members really removed
   */
  List<Member> removeMembers(String groupId, Collection<String> memberIds);

  /**
   * Removes every member of a group, journaling each (in entries of at most {@link
   * Change#MAX_MEMBERS_PER_ENTRY}).
   *
   * @return how many members were removed
   */
  long clearMembers(String groupId);

  /**
   * Makes a group's members exactly {@code wanted} (a PUT with members, a PATCH {@code replace} of
   * members): removes those not wanted, and those whose client-given display changes, then adds the
   * rest, journaling only who left and who joined. Reads the current members a page at a time, so
   * its memory grows with {@code wanted}, not with the group.
   *
   * @return whether the membership changed
   * @throws ScimException as {@link #addMembers}
   */
  boolean replaceMembers(String groupId, Collection<Member> wanted);

  /**
   * Runs {@code work} inside a savepoint of this transaction. When it returns, its writes stay part
   * of the transaction; when it throws a {@link RuntimeException}, everything it wrote is undone,
   * the transaction is usable again (on PostgreSQL too, where a failed statement aborts it) and the
   * exception is rethrown as it was. Savepoints nest. A bulk request runs each operation in one, so
   * that a failed operation leaves nothing behind while the others commit (RFC 7644 §3.7.3).
   */
  <T> T inSavepoint(Supplier<T> work);
}
