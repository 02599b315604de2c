package io.scimd.server.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.patch.MemberPatch;
import io.scimd.core.patch.PatchEngine;
import io.scimd.core.patch.PatchOperation;
import io.scimd.core.patch.PatchRequest;
import io.scimd.core.resource.Meta;
import io.scimd.core.resource.ResourceValidator;
import io.scimd.core.resource.UnknownAttributePolicy;
import io.scimd.core.schema.CaseInsensitive;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.Load;
import io.scimd.store.Member;
import io.scimd.store.StoreTx;
import io.scimd.store.StoredResource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Create, replace, patch and delete (RFC 7644 §3.3, §3.5, §3.6) as functions of one {@link
 * StoreTx}, so that a request writes in one transaction and bulk can run several in one. Replace,
 * patch and delete lock the resource and check {@code If-Match} against its version ({@link
 * ETags#checkIfMatch}); whatever is refused is a thrown {@link ScimException}.
 *
 * <ul>
 *   <li>Group membership lives in the store's membership table, never in the document: {@code
 *       members} is taken out of the validated attributes and written with {@code addMembers} /
 *       {@code removeMembers} / {@code clearMembers}, which cost O(change).
 *   <li>{@code password} is stored as a salted PBKDF2 hash ({@link Passwords}), computed before the
 *       write's transaction takes its lock ({@link PasswordHashes}).
 *   <li>PUT: an {@code id} in the body, equal to the URL's or not, is ignored like every readOnly
 *       attribute (RFC 7644 §3.5.1); the resource the URL names is the one replaced. A group PUT
 *       with {@code members} replaces all the members ({@code []} empties the group); a PUT without
 *       {@code members} keeps them (RFC 7644 §3.5.1 lets the server treat omitted attributes as not
 *       asserted; wiping a 50,000-member group because a client omitted the list would be
 *       unrecoverable).
 *   <li>A PATCH that changes nothing keeps the version.
 *   <li>An Agent is written only with at least one owner, each an existing User ({@link
 *       AgentOwners}), checked on the document about to be stored.
 * </ul>
 */
final class Writes {
  private final SchemaRegistry registry;
  private final ResourceValidator validator;
  private final int maxPatchOperations;
  private final AgentOwners owners;

  Writes(
      SchemaRegistry registry, UnknownAttributePolicy unknownAttributes, int maxPatchOperations) {
    this.registry = registry;
    this.owners = new AgentOwners(registry);
    this.validator = new ResourceValidator(unknownAttributes);
    this.maxPatchOperations = maxPatchOperations;
  }

  /**
   * 413 when a PATCH body holds more than {@code maxPatchOperations} operations, before anything is
   * read or locked. 413, as for too many bulk operations (RFC 7644 §3.7.4), rather than a 400: the
   * request is well-formed, only larger than this server takes at once, and a client should split
   * it rather than fix it. SCIM publishes no such limit; scimd does, in its extension of {@code
   * /ServiceProviderConfig}.
   */
  void checkPatchSize(JsonNode body) {
    JsonNode operations = body.isObject() ? CaseInsensitive.get(body, "Operations") : null;
    if (operations != null && operations.isArray() && operations.size() > maxPatchOperations) {
      throw ScimException.payloadTooLarge(
          "the PATCH request has "
              + operations.size()
              + " operations; at most "
              + maxPatchOperations
              + " are allowed in one request (maxPatchOperations, see /ServiceProviderConfig):"
              + " send them in several requests");
    }
  }

  /** 404 for {@code id}, which names no resource of {@code type}. */
  static ScimException notFound(ResourceType type, String id) {
    return ScimException.notFound(type.name() + " " + ScimException.quote(id) + " not found");
  }

  StoredResource createIn(StoreTx tx, ResourceType type, JsonNode body, PasswordHashes hashes) {
    ObjectNode attrs = validator.forCreate(type, body);
    List<Member> members = MemberOps.isGroup(registry, type) ? takeMembers(attrs) : List.of();
    if (owners.governs(type)) {
      owners.check(tx, attrs, null);
    }
    hashPassword(attrs, null, hashes);
    StoredResource created = tx.insert(type.name(), attrs);
    if (!members.isEmpty()) {
      tx.addMembers(created.id(), members);
    }
    return created;
  }

  StoredResource replaceIn(
      StoreTx tx,
      ResourceType type,
      String id,
      JsonNode body,
      @Nullable String ifMatch,
      PasswordHashes hashes) {
    StoredResource current =
        tx.getForUpdate(type.name(), id, Load.NONE).orElseThrow(() -> notFound(type, id));
    ETags.checkIfMatch(ifMatch, type.name(), id, current.meta());
    if (!body.isObject()) {
      throw ScimException.invalidSyntax("a PUT body must be a JSON object holding the resource");
    }
    ObjectNode attrs = validator.forReplace(type, current.attributes(), body);
    if (owners.governs(type)) {
      owners.check(tx, attrs, current.attributes());
    }
    List<Member> members = null;
    if (MemberOps.isGroup(registry, type)) {
      boolean given = CaseInsensitive.get(body, "members") != null;
      List<Member> taken = takeMembers(attrs);
      members = given ? taken : null;
    }
    String storedPassword = textOrNull(current.attributes().get(Passwords.ATTRIBUTE));
    if (attrs.get(Passwords.ATTRIBUTE) == null && storedPassword != null) {
      // writeOnly and never returned: a client cannot echo it back, so omitting it keeps it.
      attrs.put(Passwords.ATTRIBUTE, storedPassword);
    } else {
      hashPassword(attrs, storedPassword, hashes);
    }
    StoredResource updated = tx.replace(type.name(), id, attrs).resource();
    if (members != null) {
      // Replace the members by what they differ in, not by clearing and re-adding them all: the
      // journal then holds the members that really left and joined, as a PATCH would.
      tx.replaceMembers(id, members);
    }
    return updated;
  }

  /**
   * Applies a PATCH. {@code withAttributes}: whether the caller shows the patched resource's
   * attributes. When it does not (a 204, a bulk result), a PATCH of a group's members alone never
   * reads the group's document: it locks and checks the group's meta, changes the members and bumps
   * the version ({@link StoreTx#touch}), and the resource it returns holds no attributes, only its
   * id and meta.
   */
  StoredResource patchIn(
      StoreTx tx,
      ResourceType type,
      String id,
      JsonNode body,
      @Nullable String ifMatch,
      PasswordHashes hashes,
      boolean withAttributes) {
    checkPatchSize(body);
    boolean group = MemberOps.isGroup(registry, type);
    StoredResource current = null;
    Meta meta;
    if (group && !withAttributes) {
      meta = tx.metaForUpdate(type.name(), id).orElseThrow(() -> notFound(type, id));
    } else {
      current = tx.getForUpdate(type.name(), id, Load.NONE).orElseThrow(() -> notFound(type, id));
      meta = current.meta();
    }
    ETags.checkIfMatch(ifMatch, type.name(), id, meta);
    List<PatchOperation> ops = withoutOwnId(PatchRequest.parse(body), id);
    MemberPatch.Split split =
        group ? MemberPatch.split(type, "members", ops) : new MemberPatch.Split(ops, List.of());
    ObjectNode before = null;
    ObjectNode after = null;
    if (!split.documentOps().isEmpty()) {
      if (current == null) {
        // Locked by metaForUpdate: this read sees the row that the If-Match check saw.
        current = tx.getForUpdate(type.name(), id, Load.NONE).orElseThrow(() -> notFound(type, id));
      }
      before = current.attributes();
      after = PatchEngine.apply(type, before.deepCopy(), split.documentOps());
      after = validator.checkPatched(type, before, after);
      if (owners.governs(type)) {
        owners.check(tx, after, before);
      }
      hashPassword(after, textOrNull(before.get(Passwords.ATTRIBUTE)), hashes);
    }
    boolean changed = false;
    List<MemberPatch.MemberChange> memberChanges = split.memberChanges();
    for (int i = 0; i < memberChanges.size(); i++) {
      MemberPatch.MemberChange c = memberChanges.get(i);
      if (c instanceof MemberPatch.MemberChange.Clear
          && i + 1 < memberChanges.size()
          && memberChanges.get(i + 1) instanceof MemberPatch.MemberChange.Add add) {
        // replace of members: journal who left and who joined, not everyone leaving and rejoining.
        changed |= tx.replaceMembers(id, toMembers(add));
        i++;
        continue;
      }
      changed |= applyMemberChange(tx, type, id, c);
    }
    if (after == null || after.equals(before)) {
      ObjectNode attributes =
          current != null ? current.attributes() : JsonNodeFactory.instance.objectNode();
      if (!changed) {
        return new StoredResource(
            id, meta, attributes); // the version stays (a retried PATCH is idempotent)
      }
      // Only members changed: one version bump (the ETag covers members), the document untouched.
      return new StoredResource(id, tx.touch(type.name(), id), attributes);
    }
    // One version bump for the whole PATCH, membership included.
    return tx.patch(type.name(), id, after).resource();
  }

  void deleteIn(StoreTx tx, ResourceType type, String id, @Nullable String ifMatch) {
    StoredResource current =
        tx.getForUpdate(type.name(), id, Load.NONE).orElseThrow(() -> notFound(type, id));
    ETags.checkIfMatch(ifMatch, type.name(), id, current.meta());
    if (tx.delete(type.name(), id).isEmpty()) {
      throw notFound(type, id);
    }
  }

  /**
   * Okta renames a group with {@code {"op":"replace","value":{"id":"<its id>","displayName":…}}}:
   * an {@code id} equal to the resource's own is dropped from no-path values (it changes nothing,
   * and id is readOnly, RFC 7643 §3.1); a different one is left for the engine to refuse.
   */
  private static List<PatchOperation> withoutOwnId(List<PatchOperation> ops, String id) {
    List<PatchOperation> out = new ArrayList<>(ops.size());
    for (PatchOperation op : ops) {
      if (op.path() == null && op.value() instanceof ObjectNode value) {
        String key = null;
        for (Map.Entry<String, JsonNode> e : value.properties()) {
          if (e.getKey().equalsIgnoreCase("id")
              && e.getValue().isTextual()
              && e.getValue().asText().equals(id)) {
            key = e.getKey();
          }
        }
        if (key != null) {
          ObjectNode copy = value.deepCopy();
          copy.remove(key);
          out.add(new PatchOperation(op.op(), null, copy));
          continue;
        }
      }
      out.add(op);
    }
    return out;
  }

  /**
   * Applies one member change at O(change): the store's add and remove say which members really
   * changed, so nothing is probed or read first (except for a RemoveWhere filter that is not {@code
   * value eq}, which needs the list). True when it changed something.
   */
  private static boolean applyMemberChange(
      StoreTx tx, ResourceType type, String groupId, MemberPatch.MemberChange change) {
    return switch (change) {
      case MemberPatch.MemberChange.Add add -> !tx.addMembers(groupId, toMembers(add)).isEmpty();
      case MemberPatch.MemberChange.Remove remove ->
          !tx.removeMembers(groupId, remove.ids()).isEmpty();
      case MemberPatch.MemberChange.Clear clear -> tx.clearMembers(groupId) > 0;
      case MemberPatch.MemberChange.RemoveWhere where -> {
        // Only a filter other than value eq "…" gets here: it needs the member list.
        List<String> ids = new ArrayList<>();
        for (Member m : tx.members(groupId)) {
          if (MemberOps.matches(type, where.filter(), m)) {
            ids.add(m.value());
          }
        }
        if (!ids.isEmpty()) {
          tx.removeMembers(groupId, ids);
        }
        yield !ids.isEmpty();
      }
    };
  }

  private static List<Member> toMembers(MemberPatch.MemberChange.Add add) {
    List<Member> members = new ArrayList<>(add.members().size());
    for (MemberPatch.MemberRef m : add.members()) {
      members.add(new Member(m.value(), m.type().orElse(null), m.display().orElse(null)));
    }
    return members;
  }

  /** Takes the validated {@code members} out of the attributes, as store members. */
  private static List<Member> takeMembers(ObjectNode attrs) {
    JsonNode members = attrs.remove("members");
    List<Member> out = new ArrayList<>();
    if (members == null || members.isNull()) {
      return out;
    }
    for (JsonNode m : members.isArray() ? members : List.of(members)) {
      out.add(MemberOps.toMember(m));
    }
    return out;
  }

  /**
   * Replaces a clear password by its hash, made before the transaction ({@link PasswordHashes}),
   * unless it is the hash already stored.
   */
  private static void hashPassword(
      ObjectNode attrs, @Nullable String storedHash, PasswordHashes hashes) {
    JsonNode p = attrs.get(Passwords.ATTRIBUTE);
    if (p == null || !p.isTextual()) {
      return;
    }
    String v = p.asText();
    if (storedHash != null && v.equals(storedHash)) {
      return;
    }
    attrs.put(Passwords.ATTRIBUTE, hashes.hashOf(v));
  }

  private static @Nullable String textOrNull(@Nullable JsonNode n) {
    return n != null && n.isTextual() ? n.asText() : null;
  }
}
