package io.scimd.sync.scim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.client.Filters;
import io.scimd.client.ListPage;
import io.scimd.client.Patch;
import io.scimd.client.ScimClient;
import io.scimd.client.ScimClientException;
import io.scimd.client.ScimResource;
import io.scimd.client.ScimResources;
import io.scimd.client.SearchRequest;
import io.scimd.core.filter.Filter;
import io.scimd.store.Change;
import io.scimd.store.HubRecords;
import io.scimd.store.JournalEntry;
import io.scimd.store.Load;
import io.scimd.store.Member;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.store.StoredResource;
import io.scimd.sync.Outcome;
import io.scimd.sync.Sink;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Keeps one SCIM target in step with the directory, resource by resource, by state rather than by
 * replaying deltas: for each run of consecutive entries about one resource it reads the resource as
 * the store holds it now and makes the target hold the same. Sending it twice (a node died before
 * recording the cursor, a dead letter replayed) therefore changes nothing the second time.
 *
 * <p>Which object on the target is ours: the id recorded in {@link HubRecords#remoteId} when the
 * target created or we found it. With none recorded, the target is searched first ({@code userName}
 * or {@code displayName}, and {@code externalId}, as {@code eq} filters) and a match is adopted: a
 * POST whose answer was lost (a timeout) is never repeated as a second user. A recorded id the
 * target no longer knows (404 on an update) is forgotten and the resource created again.
 *
 * <p>Users are written with PUT (the whole resource); groups with a PATCH {@code replace} of their
 * own attributes, never a PUT, which would replace their members. Membership goes as PATCH {@code
 * add}/{@code remove} of members with the target's ids, at most {@link
 * Profile#maxMembersPerPatch()} per request; a member the target does not have yet is written there
 * first. What changed in membership is read from the entries and checked against the current state:
 * a member added and removed again in the run is not sent.
 */
public final class ScimSink implements Sink {
  /** What happens on the target to a resource that leaves the target's scope. */
  public enum OnLeave {
    /** Users get {@code active: false}; groups are deleted (they have no {@code active}). */
    DEACTIVATE,
    DELETE
  }

  private static final String USER = "User";
  private static final String GROUP = "Group";

  private final Store store;
  private final HubRecords records;
  private final String tenant;
  private final String target;
  private final ScimClient client;
  private final Profile profile;
  private final Mapping mapping;
  private final OnLeave onLeave;
  private final Scope scope;

  /**
   * @param tenant the target's tenant (the entries' tenant)
   * @param target the target's name, under which remote ids are recorded
   * @param client the target's SCIM client; its retries should be few or none, as the delivery
   *     workers retry with backoff themselves
   */
  public ScimSink(
      Store store,
      String tenant,
      String target,
      ScimClient client,
      Profile profile,
      Mapping mapping,
      OnLeave onLeave) {
    this.store = store;
    this.records = store.hub();
    this.tenant = tenant;
    this.target = target;
    this.client = client;
    this.profile = profile;
    this.mapping = mapping;
    this.onLeave = onLeave;
    this.scope = Scope.system(tenant, "hub");
  }

  @Override
  public boolean accepts(JournalEntry entry) {
    String type = entry.change().resourceType();
    return !(entry.change() instanceof Change.AuthFailed)
        && (type.equals(USER) || type.equals(GROUP));
  }

  @Override
  public Outcome deliver(List<JournalEntry> entries) {
    int i = 0;
    while (i < entries.size()) {
      Change first = entries.get(i).change();
      int end = i + 1;
      while (end < entries.size() && sameResource(first, entries.get(end).change())) {
        end++;
      }
      List<Change> run = new ArrayList<>(end - i);
      for (int k = i; k < end; k++) {
        run.add(entries.get(k).change());
      }
      try {
        sync(first.resourceType(), first.resourceId(), run);
      } catch (ScimClientException e) {
        return Outcome.failed(i, failure(e));
      } catch (Refused e) {
        return Outcome.failed(i, Outcome.Failure.rejected(e.getMessage()));
      }
      i = end;
    }
    return Outcome.all(entries.size());
  }

  @Override
  public void close() {
    client.close();
  }

  private static boolean sameResource(Change a, Change b) {
    return a.resourceType().equals(b.resourceType()) && a.resourceId().equals(b.resourceId());
  }

  /** 408, 429, 5xx and no answer: the target cannot take anything now; other 4xx: refused. */
  static Outcome.Failure failure(ScimClientException e) {
    String reason = String.valueOf(e.getMessage());
    return e.unavailable()
        ? Outcome.Failure.unavailable(reason, e.retryAfter())
        : Outcome.Failure.rejected(reason);
  }

  // ------------------------------------------------------------------ one resource

  /** Makes the target hold resource {@code type/id} as the store holds it now. */
  void sync(String type, String id, List<Change> run) {
    boolean membership =
        run.stream()
            .anyMatch(c -> c instanceof Change.MembersAdded || c instanceof Change.MembersRemoved);
    if (type.equals(GROUP) && membership && mapping.followsMembership()) {
      // Users in scope by membership: who joined may now belong on the target, who left may not.
      // Before the group, which may be out of scope itself, or add them as its members.
      for (String user : changedMembers(run)) {
        sync(USER, user, List.of());
      }
    }
    Load load = mapping.load(type);
    if (type.equals(GROUP) && membership) {
      load = new Load(true, load.groups());
    }
    Optional<StoredResource> now = read(type, id, load);
    if (now.isEmpty()) {
      Change.Deleted deleted = null;
      for (Change c : run) {
        if (c instanceof Change.Deleted d) {
          deleted = d;
        }
      }
      remove(type, id, deleted);
      return;
    }
    StoredResource resource = now.get();
    if (!mapping.inScope(type, resource)) {
      leave(type, id);
      return;
    }
    if (type.equals(GROUP) && !profile.patch()) {
      putGroup(id, resource);
      return;
    }
    Placed placed = upsert(type, resource);
    if (!type.equals(GROUP)) {
      return;
    }
    if (placed.how != How.UPDATED) {
      StoredResource full =
          resource.attributes().has("members")
              ? resource
              : read(type, id, new Load(true, false)).orElse(resource);
      replaceMembers(placed, full);
    } else if (membership) {
      applyMemberChanges(placed.remoteId, resource, run);
    }
  }

  /**
   * Makes the target hold resource {@code type/id} exactly as it should, whatever the target holds
   * now: a group's members are compared with the target's, not taken from journal entries. What
   * {@link Reconcile} repairs with.
   */
  void repair(String type, String id) {
    Load load = mapping.load(type);
    if (type.equals(GROUP)) {
      load = new Load(true, load.groups());
    }
    Optional<StoredResource> now = read(type, id, load);
    if (now.isEmpty()) {
      remove(type, id, null);
      return;
    }
    if (!mapping.inScope(type, now.get())) {
      leave(type, id);
      return;
    }
    if (type.equals(GROUP) && !profile.patch()) {
      putGroup(id, now.get());
      return;
    }
    Placed placed = upsert(type, now.get());
    if (type.equals(GROUP)) {
      replaceMembers(new Placed(placed.remoteId, How.ADOPTED), now.get());
    }
  }

  /** The resource as this target should hold it, or null when it is out of the target's scope. */
  @Nullable ObjectNode desired(String type, StoredResource resource) {
    return mapping.inScope(type, resource) ? fit(mapping.map(type, resource)) : null;
  }

  /** The users a run of a group's entries added or removed, each once. */
  private static Set<String> changedMembers(List<Change> run) {
    Set<String> out = new LinkedHashSet<>();
    for (Change c : run) {
      List<Member> ms =
          c instanceof Change.MembersAdded a
              ? a.members()
              : c instanceof Change.MembersRemoved r ? r.members() : List.of();
      for (Member m : ms) {
        if (m.type() == null || m.type().equals(USER)) {
          out.add(m.value());
        }
      }
    }
    return out;
  }

  /** What the target does to a user who leaves its scope. */
  public OnLeave onLeave() {
    return onLeave;
  }

  /** The target's ids of a group's members that belong there (recorded ones only: no writes). */
  Set<String> desiredMemberIds(StoredResource group) {
    Set<String> out = new LinkedHashSet<>();
    for (Member m : members(group)) {
      String type = m.type() != null ? m.type() : USER;
      records.remoteId(tenant, target, type, m.value()).ifPresent(out::add);
    }
    return out;
  }

  /**
   * How many of a group's members belong on the target but have no id recorded there (only those
   * are read: recorded members are there already, or reported missing as users).
   */
  int membersMissingThere(StoredResource group) {
    int missing = 0;
    for (Member m : members(group)) {
      String type = m.type() != null ? m.type() : USER;
      if (records.remoteId(tenant, target, type, m.value()).isEmpty()) {
        Optional<StoredResource> member = read(type, m.value(), mapping.load(type));
        if (member.isPresent() && mapping.inScope(type, member.get())) {
          missing++;
        }
      }
    }
    return missing;
  }

  Store store() {
    return store;
  }

  Scope scope() {
    return scope;
  }

  Mapping mapping() {
    return mapping;
  }

  ScimClient client() {
    return client;
  }

  /** What the target is written with: its profile with what its ServiceProviderConfig says. */
  public Profile profile() {
    return profile;
  }

  Optional<String> remoteIdOf(String type, String id) {
    return records.remoteId(tenant, target, type, id);
  }

  void forget(String type, String id) {
    records.remoteId(tenant, target, type, id, null);
  }

  void deleteThere(String type, String remoteId) {
    deleteRemote(type, remoteId);
  }

  private Optional<StoredResource> read(String type, String id, Load load) {
    return store.read(scope, r -> r.get(type, id, load));
  }

  private enum How {
    CREATED,
    ADOPTED,
    UPDATED
  }

  private record Placed(String remoteId, How how) {}

  /**
   * Writes a group with its members in one request, POST or PUT: for a target that takes no PATCH.
   * Its members are written there first when they are not yet.
   */
  private void putGroup(String id, StoredResource group) {
    StoredResource full =
        group.attributes().has("members")
            ? group
            : read(GROUP, id, new Load(true, false)).orElse(group);
    ArrayNode members = JsonNodeFactory.instance.arrayNode();
    for (Member m : members(full)) {
      String remote = memberRemoteId(m);
      if (remote != null) {
        members.addObject().put("value", remote);
      }
    }
    ObjectNode body = fit(mapping.map(GROUP, group));
    body.set("members", members);
    upsert(GROUP, group, body);
  }

  /** Writes the resource to the target: updated by its known id, else adopted, else created. */
  private Placed upsert(String type, StoredResource resource) {
    return upsert(type, resource, fit(mapping.map(type, resource)));
  }

  private Placed upsert(String type, StoredResource resource, ObjectNode body) {
    String known = records.remoteId(tenant, target, type, resource.id()).orElse(null);
    if (known != null) {
      try {
        update(type, known, body);
        return new Placed(known, How.UPDATED);
      } catch (ScimClientException e) {
        if (e.kind() != ScimClientException.Kind.HTTP || e.status() != 404) {
          throw e;
        }
        // The target lost it (deleted by someone there, or restored from a backup): create again.
        records.remoteId(tenant, target, type, resource.id(), null);
      }
    }
    String found = lookUp(type, body);
    if (found != null) {
      records.remoteId(tenant, target, type, resource.id(), found);
      update(type, found, body);
      return new Placed(found, How.ADOPTED);
    }
    ScimResource created;
    try {
      created = endpoint(type).create(body);
    } catch (ScimClientException e) {
      String listed =
          !profile.filter() && e.kind() == ScimClientException.Kind.HTTP && e.status() == 409
              ? lookUpByListing(type, body)
              : null;
      if (listed == null) {
        throw e;
      }
      // It was there already (a create whose answer was lost): adopted, as a filter would have.
      records.remoteId(tenant, target, type, resource.id(), listed);
      update(type, listed, body);
      return new Placed(listed, How.ADOPTED);
    }
    String remoteId = created.id();
    if (remoteId == null) {
      throw new Refused("the target created the " + type + " but answered without its id");
    }
    records.remoteId(tenant, target, type, resource.id(), remoteId);
    return new Placed(remoteId, How.CREATED);
  }

  private void update(String type, String remoteId, ObjectNode body) {
    if (type.equals(GROUP) && profile.patch()) {
      Patch patch = groupAttributes(body);
      if (patch != null) {
        endpoint(type).patch(remoteId, patch, null);
      }
    } else {
      endpoint(type).replace(remoteId, body, null);
    }
  }

  /** A PATCH that sets a group's own attributes (everything but its members). */
  private @Nullable Patch groupAttributes(ObjectNode body) {
    ObjectNode value = body.objectNode();
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!f.equalsIgnoreCase("schemas") && !f.equalsIgnoreCase("members")) {
        value.set(f, body.get(f));
      }
    }
    if (value.isEmpty()) {
      return null;
    }
    Patch.Builder b = Patch.builder();
    if (profile.replaceGroupAttributesOneByOne()) {
      for (Iterator<String> it = value.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        b.replace(f, value.get(f));
      }
    } else {
      b.replace(value);
    }
    return b.build();
  }

  /**
   * The target's id of the resource {@code body} describes, found by {@code eq} filters on the
   * attributes the target keeps unique, or null when it has none.
   */
  private @Nullable String lookUp(String type, ObjectNode body) {
    if (!profile.filter()) {
      return null; // the target takes no filter: a duplicate create is refused and listed for
    }
    String key = type.equals(GROUP) ? "displayName" : "userName";
    String keyValue = Mapping.text(body, key);
    String externalId = Mapping.text(body, "externalId");
    List<Filter> tries = new ArrayList<>(2);
    if (externalId != null && profile.lookupByExternalIdFirst()) {
      tries.add(Filters.eq("externalId", externalId));
    }
    if (keyValue != null) {
      tries.add(Filters.eq(key, keyValue));
    }
    if (externalId != null && !profile.lookupByExternalIdFirst()) {
      tries.add(Filters.eq("externalId", externalId));
    }
    for (Filter f : tries) {
      SearchRequest.Builder q = SearchRequest.builder().filter(f).pageSize(2);
      if (type.equals(GROUP)) {
        q.excludedAttributes("members");
      }
      ListPage page = endpoint(type).page(q.build());
      for (ScimResource r : page.resources()) {
        if (r.id() != null) {
          return r.id();
        }
      }
    }
    return null;
  }

  /**
   * The target's id of the resource {@code body} describes, found by listing the target (page by
   * page) for one of the same {@code userName}/{@code displayName} (case-insensitive) or {@code
   * externalId}: for a target that takes no filter.
   */
  private @Nullable String lookUpByListing(String type, ObjectNode body) {
    String key = type.equals(GROUP) ? "displayName" : "userName";
    String keyValue = Mapping.text(body, key);
    String externalId = Mapping.text(body, "externalId");
    SearchRequest.Builder q = SearchRequest.builder().pageSize(profile.pageSize());
    if (type.equals(GROUP)) {
      q.excludedAttributes("members");
    }
    try (var all = endpoint(type).list(q.build())) {
      return all.filter(
              r -> {
                String k = r.text(key);
                String e = r.text("externalId");
                return r.id() != null
                    && ((keyValue != null && k != null && k.equalsIgnoreCase(keyValue))
                        || (externalId != null && externalId.equals(e)));
              })
          .map(ScimResource::id)
          .findFirst()
          .orElse(null);
    }
  }

  /** The resource is gone from the directory: gone from the target too. */
  private void remove(String type, String id, Change.@Nullable Deleted deleted) {
    String remoteId = records.remoteId(tenant, target, type, id).orElse(null);
    if (remoteId == null && deleted != null) {
      // Never recorded, yet maybe created there (a POST whose answer was lost): find it by what it
      // was, so a retried create followed by a delete leaves nothing behind.
      ObjectNode was = deleted.attributes().deepCopy();
      remoteId = lookUp(type, was);
    }
    if (remoteId != null) {
      deleteRemote(type, remoteId);
    }
    records.remoteId(tenant, target, type, id, null);
  }

  private void deleteRemote(String type, String remoteId) {
    try {
      endpoint(type).delete(remoteId, null);
    } catch (ScimClientException e) {
      if (e.kind() != ScimClientException.Kind.HTTP || e.status() != 404) {
        throw e;
      }
    }
  }

  /** The resource left the target's scope: deactivated or deleted there, as the target says. */
  private void leave(String type, String id) {
    String remoteId = records.remoteId(tenant, target, type, id).orElse(null);
    if (remoteId == null) {
      return; // never sent there
    }
    if (onLeave == OnLeave.DEACTIVATE && type.equals(USER)) {
      try {
        if (profile.patch()) {
          endpoint(type).patch(remoteId, Patch.builder().replace("active", false).build(), null);
        } else {
          // No PATCH: the whole user, inactive, with PUT.
          Optional<StoredResource> now = read(type, id, mapping.load(type));
          if (now.isPresent()) {
            ObjectNode body = fit(mapping.map(type, now.get()));
            body.put("active", false);
            endpoint(type).replace(remoteId, body, null);
          }
        }
      } catch (ScimClientException e) {
        if (e.kind() != ScimClientException.Kind.HTTP || e.status() != 404) {
          throw e;
        }
        records.remoteId(tenant, target, type, id, null);
      }
      return;
    }
    deleteRemote(type, remoteId);
    records.remoteId(tenant, target, type, id, null);
  }

  // ------------------------------------------------------------------ membership

  /** Sends the membership changes of the run that still hold now. */
  private void applyMemberChanges(String groupRemoteId, StoredResource group, List<Change> run) {
    Set<String> current = memberIds(group);
    Set<Member> added = new LinkedHashSet<>();
    Set<Member> removed = new LinkedHashSet<>();
    for (Change c : run) {
      if (c instanceof Change.MembersAdded a) {
        added.addAll(a.members());
      } else if (c instanceof Change.MembersRemoved r) {
        removed.addAll(r.members());
      }
    }
    List<String> add = new ArrayList<>();
    for (Member m : added) {
      if (current.contains(m.value())) {
        String remote = memberRemoteId(m);
        if (remote != null) {
          add.add(remote);
        }
      }
    }
    List<String> remove = new ArrayList<>();
    for (Member m : removed) {
      if (!current.contains(m.value())) {
        String type = m.type() != null ? m.type() : USER;
        records.remoteId(tenant, target, type, m.value()).ifPresent(remove::add);
      }
    }
    sendMembers(group.id(), groupRemoteId, add, remove);
  }

  /**
   * Makes a group the target created or adopted hold exactly the members it should: all of them for
   * a new one; the difference from what it holds for one that was there already.
   */
  private void replaceMembers(Placed placed, StoredResource group) {
    Set<String> should = new LinkedHashSet<>();
    for (Member m : members(group)) {
      String remote = memberRemoteId(m);
      if (remote != null) {
        should.add(remote);
      }
    }
    Set<String> has = new LinkedHashSet<>();
    if (placed.how == How.ADOPTED) {
      JsonNode members = endpoint(GROUP).get(placed.remoteId).json().path("members");
      for (JsonNode m : members) {
        if (m.path("value").isTextual()) {
          has.add(m.path("value").textValue());
        }
      }
    }
    List<String> add = should.stream().filter(v -> !has.contains(v)).toList();
    List<String> remove = has.stream().filter(v -> !should.contains(v)).toList();
    sendMembers(group.id(), placed.remoteId, add, remove);
  }

  private void sendMembers(
      String groupId, String groupRemoteId, List<String> add, List<String> remove) {
    for (Patch p : Patch.memberChanges(add, remove, profile.maxMembersPerPatch())) {
      try {
        endpoint(GROUP).patch(groupRemoteId, p, null);
      } catch (ScimClientException e) {
        if (e.kind() == ScimClientException.Kind.HTTP && e.status() == 404) {
          // The group is gone there: forget it, so the next attempt creates it again, members and
          // all, rather than dead-lettering its changes.
          records.remoteId(tenant, target, GROUP, groupId, null);
          throw new Refused(
              "the target lost the group; it is created again on the next attempt", e);
        }
        throw e;
      }
    }
  }

  /**
   * The target's id of a member, writing the member there first when it has none yet; null for a
   * member that is gone or out of the target's scope (it is not sent).
   */
  private @Nullable String memberRemoteId(Member m) {
    String type = m.type() != null ? m.type() : USER;
    Optional<String> known = records.remoteId(tenant, target, type, m.value());
    if (known.isPresent()) {
      return known.get();
    }
    Optional<StoredResource> member = read(type, m.value(), mapping.load(type));
    if (member.isEmpty() || !mapping.inScope(type, member.get())) {
      return null;
    }
    return upsert(type, member.get()).remoteId;
  }

  private static List<Member> members(StoredResource group) {
    List<Member> out = new ArrayList<>();
    JsonNode members = group.attributes().path("members");
    if (members instanceof ArrayNode a) {
      for (JsonNode m : a) {
        if (m.path("value").isTextual()) {
          String type = m.path("type").isTextual() ? m.path("type").textValue() : null;
          out.add(new Member(m.path("value").textValue(), type));
        }
      }
    }
    return out;
  }

  private static Set<String> memberIds(StoredResource group) {
    Set<String> out = new LinkedHashSet<>();
    for (Member m : members(group)) {
      out.add(m.value());
    }
    return out;
  }

  // ------------------------------------------------------------------ shaping

  /** The body as the target's profile takes it: one value of each single-valued attribute. */
  private ObjectNode fit(ObjectNode body) {
    for (String attribute : profile.singleValued()) {
      for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (f.equalsIgnoreCase(attribute) && body.get(f) instanceof ArrayNode values) {
          if (values.size() > 1) {
            JsonNode keep = values.get(0);
            for (JsonNode v : values) {
              if (v.path("primary").asBoolean(false)) {
                keep = v;
                break;
              }
            }
            ArrayNode one = body.arrayNode();
            one.add(keep);
            body.set(f, one);
          }
          break;
        }
      }
    }
    return body;
  }

  ScimResources endpoint(String type) {
    return client.resources(type.equals(GROUP) ? "Groups" : "Users");
  }

  /** A change the target cannot take as it is; dead-lettered after the workers' attempts. */
  static final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message);
    }

    Refused(String message, Throwable cause) {
      super(message, cause);
    }

    @Override
    public String getMessage() {
      return String.valueOf(super.getMessage());
    }
  }
}
