package io.scimd.sync;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.store.AuditQuery;
import io.scimd.store.AuditRecord;
import io.scimd.store.HubRecords;
import io.scimd.store.HubRecords.Cursor;
import io.scimd.store.HubRecords.Target;
import io.scimd.store.JournalEntry;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.store.Tenants;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The targets of every tenant, as operators manage them (the admin API, the CLI, a config file) and
 * as the delivery workers open them: definitions checked by their {@link TargetType} when saved,
 * secrets sealed ({@link SecretBox}) before they reach the store, and each target's delivery state
 * read back for people.
 */
public final class Hub {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The settings every target has, whatever its type. */
  private static final Set<String> COMMON = Set.of("name", "type", "deletionGuard");

  /** The note ({@link HubRecords#note}) of a target's last scheduled reconciliation. */
  public static final String RECONCILE_NOTE = "reconcile";

  private final Store store;
  private final HubRecords records;
  private final SecretBox box;
  private final Map<String, TargetType> types;
  private final Set<String> pushedTypes;
  private final InstantSource clock;

  public Hub(Store store, SecretBox box, List<TargetType> types, InstantSource clock) {
    this.store = store;
    this.records = store.hub();
    this.box = box;
    Map<String, TargetType> byName = new LinkedHashMap<>();
    for (TargetType t : types) {
      byName.put(t.name(), t);
    }
    this.types = Map.copyOf(byName);
    this.pushedTypes =
        Set.copyOf(types.stream().filter(TargetType::pushed).map(TargetType::name).toList());
    this.clock = clock;
  }

  /** What a save returns: the target as shown, and a secret scimd made, shown this once. */
  public record Saved(ObjectNode target, @Nullable String shownOnce) {}

  /**
   * Saves a new target.
   *
   * @throws IllegalArgumentException naming what to fix in the definition
   * @throws IllegalStateException when the tenant has a target of that name
   */
  public Saved create(Scope scope, ObjectNode definition) {
    String name = name(definition);
    TargetType type = type(definition);
    TargetType.Checked checked = withCommon(type.check(settings(definition), null), definition);
    Target saved =
        records
            .create(
                scope,
                name,
                type.name(),
                text(checked.config()),
                seal(scope.tenant(), name, checked.secrets()))
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "the tenant '"
                            + scope.tenant()
                            + "' has a target named '"
                            + name
                            + "' already: change it with PUT, or pick another name"));
    savedHook(type, saved);
    return new Saved(show(saved), checked.shownOnce());
  }

  /** Lets the type read what it learns from the target (outside the save's transaction). */
  private void savedHook(TargetType type, Target saved) {
    try {
      type.saved(saved, parse(saved.config()), secrets(saved));
    } catch (RuntimeException e) {
      // Shown in the status by the type; the save stands.
    }
  }

  /**
   * Replaces a target's definition (its type stays); secrets the caller leaves out are kept.
   *
   * @return empty when there is no such target
   */
  public Optional<Saved> update(Scope scope, String name, ObjectNode definition) {
    Optional<Target> held = records.target(scope.tenant(), name);
    if (held.isEmpty()) {
      return Optional.empty();
    }
    Target before = held.get();
    if (definition.hasNonNull("name") && !definition.get("name").asText().equals(name)) {
      throw new IllegalArgumentException("'name' cannot change: create a target of the new name");
    }
    if (definition.hasNonNull("type") && !definition.get("type").asText().equals(before.type())) {
      throw new IllegalArgumentException(
          "'type' cannot change (it is '" + before.type() + "'): create a new target");
    }
    TargetType type = typeNamed(before.type());
    TargetType.Checked checked =
        withCommon(type.check(settings(definition), secrets(before)), definition);
    return records
        .update(
            scope,
            name,
            before.version(),
            text(checked.config()),
            seal(scope.tenant(), name, checked.secrets()))
        .map(
            t -> {
              savedHook(type, t);
              return new Saved(show(t), checked.shownOnce());
            });
  }

  /** What applying a list of definitions does to one target. */
  public enum Action {
    CREATED,
    UPDATED,
    UNCHANGED
  }

  /** One target of a plan: its checked definition and what saving it does. */
  public record Planned(
      Scope scope,
      String name,
      TargetType type,
      TargetType.Checked checked,
      @Nullable Target held,
      Action action) {}

  /**
   * A target of a {@link #commit} was saved meanwhile by another node or process, between the plan
   * and the commit: planned again from what is stored now, the commit may go through. Any other
   * failure of a commit is no reason to plan again.
   */
  public static final class ConcurrentChange extends IllegalStateException {
    ConcurrentChange(String name, String what, @Nullable Throwable cause) {
      super(
          "the target '"
              + name
              + "' was "
              + what
              + " meanwhile by another node or process: apply again",
          cause);
    }
  }

  /** What a target's outcome of {@link #commit} was, with a secret scimd made, shown once. */
  public record Applied(String tenant, String name, Action action, @Nullable String shownOnce) {}

  /**
   * Checks a list of definitions for the scope's tenant as {@link #create} and {@link #update}
   * would, without saving anything: each is to be created, changed, or is unchanged (its checked
   * config and secrets equal the saved ones). Targets the list does not name are left alone.
   *
   * @throws IllegalArgumentException for the first definition refused, naming the target and what
   *     to fix; nothing is saved
   */
  public List<Planned> plan(Scope scope, List<ObjectNode> definitions) {
    List<Planned> out = new ArrayList<>();
    Set<String> seen = new java.util.HashSet<>();
    for (int i = 0; i < definitions.size(); i++) {
      ObjectNode definition = definitions.get(i);
      String name;
      try {
        name = name(definition);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("target #" + (i + 1) + ": " + e.getMessage(), e);
      }
      if (!seen.add(name)) {
        throw new IllegalArgumentException(
            "target '" + name + "' is defined twice in tenant '" + scope.tenant() + "'");
      }
      try {
        Target held = records.target(scope.tenant(), name).orElse(null);
        TargetType type = type(definition);
        if (held != null && !held.type().equals(type.name())) {
          throw new IllegalArgumentException(
              "'type' cannot change (it is '" + held.type() + "'): remove the target first");
        }
        TargetType.Checked checked =
            withCommon(
                type.check(settings(definition), held == null ? null : secrets(held)), definition);
        Action action =
            held == null
                ? Action.CREATED
                // Compared as stored (JSON text read back): 5000 read is an int, put a long.
                : parse(held.config()).equals(parse(text(checked.config())))
                        && secrets(held).equals(parse(text(checked.secrets())))
                    ? Action.UNCHANGED
                    : Action.UPDATED;
        out.add(new Planned(scope, name, type, checked, held, action));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("target '" + name + "': " + e.getMessage(), e);
      }
    }
    return out;
  }

  /**
   * Saves what {@link #plan} checked: creates and changes, each journaled; unchanged targets are
   * not written.
   *
   * @throws ConcurrentChange when a target was created, changed or removed meanwhile by another
   *     node or process; the targets before it in the plan are saved
   */
  public List<Applied> commit(List<Planned> plan) {
    List<Applied> out = new ArrayList<>();
    for (Planned p : plan) {
      String tenant = p.scope().tenant();
      switch (p.action()) {
        case UNCHANGED -> out.add(new Applied(tenant, p.name(), Action.UNCHANGED, null));
        case CREATED -> {
          Target saved =
              records
                  .create(
                      p.scope(),
                      p.name(),
                      p.type().name(),
                      text(p.checked().config()),
                      seal(tenant, p.name(), p.checked().secrets()))
                  .orElseThrow(() -> new ConcurrentChange(p.name(), "created", null));
          savedHook(p.type(), saved);
          out.add(new Applied(tenant, p.name(), Action.CREATED, p.checked().shownOnce()));
        }
        case UPDATED -> {
          Target held = java.util.Objects.requireNonNull(p.held());
          Optional<Target> updated;
          try {
            updated =
                records.update(
                    p.scope(),
                    p.name(),
                    held.version(),
                    text(p.checked().config()),
                    seal(tenant, p.name(), p.checked().secrets()));
          } catch (HubRecords.StaleVersion e) {
            throw new ConcurrentChange(p.name(), "changed", e);
          }
          Target saved = updated.orElseThrow(() -> new ConcurrentChange(p.name(), "removed", null));
          savedHook(p.type(), saved);
          out.add(new Applied(tenant, p.name(), Action.UPDATED, null));
        }
      }
    }
    return out;
  }

  /**
   * Checks a target as {@code scimd export} wrote it (its stored config; its secrets are never
   * exported) before an import saves it into the tenant: its type is known and is the type of the
   * tenant's target of that name, if it has one, and every address it sends to passes the URL rules
   * a save applies.
   *
   * @throws IllegalArgumentException naming what is refused
   */
  public void checkExported(String tenant, String name, String type, ObjectNode config) {
    TargetType t = typeNamed(type);
    Optional<Target> held = records.target(tenant, name);
    if (held.isPresent() && !held.get().type().equals(type)) {
      throw new IllegalArgumentException(
          "'type' cannot change (it is '" + held.get().type() + "'): remove the target first");
    }
    t.destinations(config);
  }

  /**
   * Replaces a target's config with an exported one, checked first as {@link #checkExported} does.
   * Its secrets stay only when the file sends where the target sends now: when an address changes
   * ({@code url}, {@code auth.tokenUrl}) they are dropped and the target paused until an operator
   * sets them again, so an import file cannot carry a target's credentials to another receiver.
   *
   * @return true when the target had secrets and they were dropped
   * @throws IllegalArgumentException naming what is refused
   * @throws IllegalStateException when the target was changed meanwhile
   */
  public boolean replaceExported(Scope scope, Target held, ObjectNode config) {
    checkExported(scope.tenant(), held.name(), held.type(), config);
    boolean moved = moves(held, config);
    boolean dropped = moved && held.secrets() != null;
    if (records
        .update(scope, held.name(), held.version(), text(config), moved ? null : held.secrets())
        .isEmpty()) {
      throw new IllegalStateException(
          "the target '" + held.name() + "' was removed meanwhile: import again");
    }
    if (dropped) {
      records.pause(
          scope,
          held.name(),
          "imported with another address, so its secrets were dropped: set them (scimd target"
              + " update), then resume it");
    }
    return dropped;
  }

  /**
   * Whether {@link #replaceExported} with {@code config} would drop the target's secrets (and pause
   * it): it has some, and {@code config} sends elsewhere. What {@code scimd import --dry-run} warns
   * of.
   *
   * @throws IllegalArgumentException when an address of {@code config} is refused
   */
  public boolean wouldDropSecrets(Target held, ObjectNode config) {
    return held.secrets() != null && moves(held, config);
  }

  /** Whether {@code config} sends anywhere the target does not send now. */
  private boolean moves(Target held, ObjectNode config) {
    TargetType type = typeNamed(held.type());
    Map<String, String> before;
    try {
      before = type.destinations(parse(held.config()));
    } catch (IllegalArgumentException e) {
      // An address the rules refuse now (a stricter allow-list) is no address to keep secrets for.
      before = Map.of();
    }
    return !before.equals(type.destinations(config));
  }

  public boolean delete(Scope scope, String name) {
    return records.delete(scope, name);
  }

  /** Pauses deliveries to a target (they wait in the journal) or, with null, resumes them. */
  public Optional<ObjectNode> pause(Scope scope, String name, @Nullable String reason) {
    return records.pause(scope, name, reason).map(this::show);
  }

  /** A target as shown to operators: its definition without secrets, and its delivery state. */
  public Optional<ObjectNode> show(String tenant, String name) {
    return records.target(tenant, name).map(this::show);
  }

  public List<ObjectNode> list(String tenant) {
    List<ObjectNode> out = new ArrayList<>();
    for (Target t : records.targets(tenant)) {
      out.add(show(t));
    }
    return out;
  }

  /** Marks dead letters for delivery again (all of the target's when {@code seq} is null). */
  public int replay(Scope scope, String name, @Nullable Long seq) {
    return records.replay(scope, name, seq);
  }

  public List<HubRecords.DeadLetter> deadLetters(
      String tenant, String name, long afterSeq, int limit) {
    return records.deadLetters(tenant, name, afterSeq, limit);
  }

  /** What the delivery workers open targets with. */
  public Delivery.Sinks sinks() {
    return new Delivery.Sinks() {
      @Override
      public Set<String> types() {
        return pushedTypes;
      }

      @Override
      public Sink open(Target target) {
        TargetType type = typeNamed(target.type());
        return type.open(target, parse(target.config()), secrets(target));
      }
    };
  }

  /**
   * Opens the sink of a saved target, with {@code candidate} settings in place of its own when
   * given (not saved: see {@link TargetType#withCandidate}). The caller closes it.
   *
   * @return empty when there is no such target
   * @throws IllegalArgumentException when the candidate is refused
   */
  public Optional<Sink> open(String tenant, String name, @Nullable ObjectNode candidate) {
    Optional<Target> held = records.target(tenant, name);
    if (held.isEmpty()) {
      return Optional.empty();
    }
    Target t = held.get();
    TargetType type = typeNamed(t.type());
    ObjectNode config = parse(t.config());
    if (candidate != null) {
      config = type.withCandidate(config, candidate);
    }
    return Optional.of(type.open(t, config, secrets(t)));
  }

  // ---------------------------------------------------------------- showing

  private ObjectNode show(Target t) {
    ObjectNode out = JSON.createObjectNode();
    out.put("name", t.name());
    out.put("type", t.type());
    out.setAll(parse(t.config()));
    ObjectNode meta = out.putObject("meta");
    meta.put("created", t.created().toString());
    meta.put("lastModified", t.updated().toString());
    meta.put("version", t.version());
    out.set("status", status(t));
    return out;
  }

  private ObjectNode status(Target t) {
    ObjectNode s = JSON.createObjectNode();
    Optional<Cursor> found = records.cursor(t.tenant(), t.name());
    Instant now = clock.instant();
    if (found.isEmpty()) {
      s.put("state", "unknown");
      return s;
    }
    Cursor c = found.get();
    long newest = store.audit().read(r -> r.head(t.tenant())).map(AuditRecord::seq).orElse(0L);
    long pending = Math.max(0, newest - c.nextSeq() + 1);
    String state;
    if (t.paused()) {
      state = "paused";
      s.put("pausedReason", t.pausedReason());
    } else if (c.attempts() > 0
        && c.lastError() != null
        && c.lastError().startsWith("unavailable")
        && c.attempts() >= 5) {
      state = "circuit-open";
    } else if (c.attempts() > 0) {
      state = "retrying";
    } else {
      state = pending > 0 ? "delivering" : "idle";
    }
    s.put("state", state);
    s.put("nextSeq", c.nextSeq());
    s.put("journalSeq", newest);
    s.put("pending", pending);
    if (pending > 0) {
      List<JournalEntry> oldest =
          store.read(Scope.system(t.tenant(), "hub"), r -> r.journal(c.nextSeq() - 1, 1));
      if (!oldest.isEmpty()) {
        Duration age = Duration.between(oldest.get(0).at(), now);
        s.put("oldestPendingAgeMs", Math.max(0, age.toMillis()));
      }
    }
    s.put("delivered", c.delivered());
    putInstant(s, "lastDeliveredAt", c.lastDeliveredAt());
    s.put("attempts", c.attempts());
    putInstant(s, "retryAt", c.retryAt());
    if (c.lastError() != null) {
      s.put("lastError", c.lastError());
    }
    putInstant(s, "lastErrorAt", c.lastErrorAt());
    s.put("deadLetters", records.deadLetterCount(t.tenant(), t.name()));
    if (c.owner() != null && c.leaseUntil() != null && c.leaseUntil().isAfter(now)) {
      s.put("node", Delivery.nodeOf(c.owner()));
    }
    records
        .note(t.tenant(), t.name(), RECONCILE_NOTE)
        .ifPresent(n -> s.set("lastReconcile", parse(n.body())));
    TargetType type = types.get(t.type());
    if (type != null) {
      try {
        type.describe(t, parse(t.config()), s);
      } catch (RuntimeException e) {
        s.put("describeError", String.valueOf(e.getMessage()));
      }
    }
    return s;
  }

  private static void putInstant(ObjectNode s, String field, @Nullable Instant t) {
    if (t != null) {
      s.put(field, t.toString());
    }
  }

  // ---------------------------------------------------------------- definitions

  private static String name(ObjectNode definition) {
    JsonNode n = definition.get("name");
    if (n == null || !n.isTextual()) {
      throw new IllegalArgumentException(
          "a target needs a 'name': 1 to 63 lower-case letters, digits and '-'");
    }
    String name = n.asText();
    if (!Tenants.NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "invalid target name '"
              + (name.length() > 70 ? name.substring(0, 70) + "..." : name)
              + "': use 1 to 63 lower-case letters, digits and '-', not starting or ending with"
              + " '-'");
    }
    return name;
  }

  private TargetType type(ObjectNode definition) {
    JsonNode t = definition.get("type");
    if (t == null || !t.isTextual()) {
      throw new IllegalArgumentException(
          "a target needs a 'type', one of: " + String.join(", ", types.keySet()));
    }
    return typeNamed(t.asText());
  }

  private TargetType typeNamed(String name) {
    TargetType type = types.get(name);
    if (type == null) {
      throw new IllegalArgumentException(
          "unknown target type '" + name + "': use one of " + String.join(", ", types.keySet()));
    }
    return type;
  }

  /** The settings every type has, checked and stored beside the type's own. */
  private static TargetType.Checked withCommon(TargetType.Checked checked, ObjectNode definition) {
    JsonNode guard = definition.get("deletionGuard");
    if (guard != null && !guard.isNull()) {
      checked.config().set("deletionGuard", DeletionGuard.check(guard));
    }
    return checked;
  }

  /**
   * Lets the deletions the deletion guard held through and resumes the target.
   *
   * @return empty when there is no such target
   */
  public Optional<ObjectNode> approve(Scope scope, String name) {
    long newest = store.audit().read(r -> r.head(scope.tenant())).map(AuditRecord::seq).orElse(0L);
    return records.approve(scope, name, newest).map(this::show);
  }

  /**
   * Moves a target's cursor back (or ahead) to journal entry {@code seq}, or to the first entry
   * made at or after {@code at}: the target is sent everything from there again, each change under
   * its own identity (a receiver that kept them can tell). The journal must still hold that entry:
   * an earlier point than the oldest one kept (the audit retention prunes) is refused.
   *
   * @return empty when there is no such target
   * @throws IllegalArgumentException for neither or both of {@code seq} and {@code at}, or a point
   *     the journal does not hold (the message names the range it does)
   */
  public Optional<ObjectNode> rewind(
      Scope scope, String name, @Nullable Long seq, @Nullable Instant at) {
    if ((seq == null) == (at == null)) {
      throw new IllegalArgumentException(
          "say where to rewind to: either 'seq' (a journal entry number) or 'at' (an RFC 3339"
              + " instant), not both");
    }
    if (records.target(scope.tenant(), name).isEmpty()) {
      return Optional.empty();
    }
    long to =
        store
            .audit()
            .read(
                r -> {
                  long head = r.head(scope.tenant()).map(AuditRecord::seq).orElse(0L);
                  List<AuditRecord> first = r.records(scope.tenant(), 0, 1);
                  long oldest = first.isEmpty() ? head + 1 : first.get(0).seq();
                  boolean pruned = oldest > 1;
                  if (seq != null) {
                    if (seq > head + 1 || (pruned && seq < oldest) || seq < 1) {
                      throw new IllegalArgumentException(
                          "the journal holds entries "
                              + oldest
                              + " to "
                              + head
                              + ": rewind to one of them (or "
                              + (head + 1)
                              + ", the next)");
                    }
                    return seq;
                  }
                  long micros =
                      Objects.requireNonNull(at).getEpochSecond() * 1_000_000L
                          + at.getNano() / 1_000;
                  if (pruned && micros < first.get(0).at()) {
                    throw new IllegalArgumentException(
                        "the journal holds entries made from "
                            + Instant.ofEpochSecond(0, first.get(0).at() * 1_000L)
                            + " (older ones were pruned): rewind to then or later");
                  }
                  List<AuditRecord> from =
                      r.search(
                              scope.tenant(),
                              new AuditQuery(null, null, List.of(), null, at, null, 0, 1))
                          .entries();
                  return from.isEmpty() ? head + 1 : from.get(0).seq();
                });
    return records.rewind(scope, name, to).map(this::show);
  }

  private static ObjectNode settings(ObjectNode definition) {
    ObjectNode out = definition.deepCopy();
    for (Iterator<String> it = out.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (COMMON.contains(f) || f.equals("meta") || f.equals("status")) {
        it.remove();
      }
    }
    return out;
  }

  private byte @Nullable [] seal(String tenant, String name, ObjectNode secrets) {
    if (secrets.isEmpty()) {
      return null;
    }
    return box.seal(text(secrets).getBytes(StandardCharsets.UTF_8), tenant + "/" + name);
  }

  private ObjectNode secrets(Target t) {
    byte[] sealed = t.secrets();
    if (sealed == null) {
      return JSON.createObjectNode();
    }
    return parse(new String(box.open(sealed, t.tenant() + "/" + t.name()), StandardCharsets.UTF_8));
  }

  private static ObjectNode parse(String json) {
    try {
      JsonNode n = JSON.readTree(json);
      return n instanceof ObjectNode o ? o : JSON.createObjectNode();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a stored target is not JSON", e);
    }
  }

  private static String text(ObjectNode n) {
    try {
      return JSON.writeValueAsString(n);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
