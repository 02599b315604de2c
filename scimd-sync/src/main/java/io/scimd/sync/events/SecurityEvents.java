package io.scimd.sync.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.store.AccessRecords;
import io.scimd.store.Change;
import io.scimd.store.JournalEntry;
import io.scimd.store.Member;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Builds the claims of the Security Event Token (RFC 8417) that tells a receiver about one journal
 * entry, in the SCIM profile of RFC 9967. Pure: the caller reads the journal (and, for {@code
 * put:full}, the resource), and signs and sends the result.
 *
 * <p>How changes map:
 *
 * <ul>
 *   <li>{@link Change.Created}: {@code create:full} (the resource as created, from the journal, or
 *       the caller's current representation when it gives one) and/or {@code create:notice} (its
 *       attribute names).
 *   <li>{@link Change.Patched}: {@code patch:full}, whose {@code data} is a SCIM PatchOp that turns
 *       the resource before into the resource after ({@code replace} of each changed attribute with
 *       its new value, {@code remove} of each removed one), and/or {@code patch:notice}.
 *   <li>{@link Change.Replaced}: {@code put:full}, the resource's representation, which only the
 *       caller can give (the journal has the changed attributes, not the whole): without it the
 *       {@code put:full} event is left out; and/or {@code put:notice}.
 *   <li>A change of {@code active} (by PATCH or PUT) to {@code true} from anything else gives
 *       {@code activate}, to {@code false} from anything else gives {@code deactivate}, <em>in
 *       addition to</em> the patch or put event, in the same SET: the events describe one change of
 *       one subject, and a receiver that asked only for (de)activations still learns of them.
 *   <li>{@link Change.MembersAdded} / {@link Change.MembersRemoved}: {@code patch:full} of the
 *       group ({@code add} of {@code members} with the values, {@code remove} with a {@code value
 *       eq} filter), and/or {@code patch:notice} naming {@code members}. A member's deletion, which
 *       removes it from its groups, is a patch of each group.
 *   <li>{@link Change.Deleted}: {@code delete}.
 *   <li>A user or agent deactivated (as for {@code deactivate}) or deleted: CAEP 1.0 {@code
 *       session-revoked}, when selected, in the same SET ({@code event_timestamp} the change's
 *       time, {@code initiating_entity} {@code admin}: the IdP's administrator acted).
 *   <li>Everything else is not an event: changes of scimd's own records (tenants, clients, targets)
 *       and failed authentications; only resource types with a SCIM endpoint are.
 * </ul>
 *
 * <p>Values of write-only attributes ({@code password}) are never in the journal: a redacted change
 * is named in a {@code notice} and left out of the PatchOp.
 */
public final class SecurityEvents {
  /** The subject identifier format of SCIM events (RFC 9967 §2.1). */
  public static final String SUBJECT_FORMAT = "scim";

  static final String PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  /** The SCIM endpoint of a tenant's resource type ({@code /Users}); empty when it has none. */
  @FunctionalInterface
  public interface Endpoints {
    Optional<String> endpoint(String tenant, String resourceType);
  }

  /**
   * Who a SET is for.
   *
   * @param stream the target (stream or webhook) name: it makes the {@code jti} unique among the
   *     SETs of one entry, which differ by receiver
   * @param issuer the {@code iss} claim: the transmitter's issuer
   * @param audience the {@code aud} claim; one value is written as a string
   */
  public record Recipient(String tenant, String stream, String issuer, List<String> audience) {
    public Recipient {
      Objects.requireNonNull(tenant, "tenant");
      Objects.requireNonNull(stream, "stream");
      Objects.requireNonNull(issuer, "issuer");
      audience = List.copyOf(audience);
    }
  }

  private final Endpoints endpoints;
  private final AccessChanges access;

  public SecurityEvents(Endpoints endpoints) {
    this(endpoints, AccessChanges.NONE);
  }

  public SecurityEvents(Endpoints endpoints, AccessChanges access) {
    this.endpoints = endpoints;
    this.access = access;
  }

  /** Whether the entry is a change of a SCIM resource, about which events are made at all. */
  public boolean isEvent(JournalEntry entry) {
    return !(entry.change() instanceof Change.AuthFailed)
        && endpoints.endpoint(entry.tenant(), entry.change().resourceType()).isPresent();
  }

  /**
   * Whether the entry may make an event for {@code selection}: a change of a SCIM resource, or of
   * an application's rules for a receiver that asked for {@link ScimEvent#ACCESS_CHANGED}.
   */
  public boolean isEvent(JournalEntry entry, EventSelection selection) {
    return isEvent(entry) || (isApplication(entry) && selection.contains(ScimEvent.ACCESS_CHANGED));
  }

  private static boolean isApplication(JournalEntry entry) {
    return entry.change().resourceType().equals(AccessRecords.APPLICATION);
  }

  /**
   * Whether the SET of {@code entry} for {@code selection} needs the resource's representation,
   * which only the caller can read: a {@code put:full}. Lets a sink read it only then.
   */
  public boolean wantsResource(JournalEntry entry, EventSelection selection) {
    return entry.change() instanceof Change.Replaced && selection.contains(ScimEvent.PUT_FULL);
  }

  /**
   * The claims of the SET about {@code entry} for {@code to}: {@code iss}, {@code iat}, {@code jti}
   * (the same each time this entry is built for this recipient, so a receiver recognises a
   * redelivery), {@code aud}, {@code toe} (when the change was made), {@code txn} (the request that
   * made it: the entries of one request share it), {@code sub_id} and {@code events}.
   *
   * @param resource the resource's current representation (as a client reading it would get it), or
   *     null when the caller has none; used for {@code put:full}, and for {@code create:full} in
   *     place of the journal's attributes
   * @return empty when the entry is not an event or none of its events was selected
   */
  public Optional<ObjectNode> claims(
      JournalEntry entry,
      Recipient to,
      EventSelection selection,
      @Nullable ObjectNode resource,
      Instant issuedAt) {
    Change change = entry.change();
    if (change instanceof Change.AuthFailed) {
      return Optional.empty();
    }
    Optional<String> endpoint = endpoints.endpoint(entry.tenant(), change.resourceType());
    if (endpoint.isEmpty() && !isApplication(entry)) {
      return Optional.empty();
    }
    ObjectNode events = JSON.objectNode();
    @Nullable String externalId = null;
    if (endpoint.isPresent()) {
      externalId = scimEvents(events, entry, selection, resource);
    }
    if (selection.contains(ScimEvent.ACCESS_CHANGED)) {
      access.of(entry).ifPresent(p -> events.set(ScimEvent.ACCESS_CHANGED.uri(), p));
    }
    if (events.isEmpty()) {
      return Optional.empty();
    }
    ObjectNode set = JSON.objectNode();
    set.put("iss", to.issuer());
    set.put("iat", issuedAt.getEpochSecond());
    set.put("jti", jti(entry.tenant(), to.stream(), entry.seq()));
    if (to.audience().size() == 1) {
      set.put("aud", to.audience().get(0));
    } else if (!to.audience().isEmpty()) {
      ArrayNode aud = set.putArray("aud");
      to.audience().forEach(aud::add);
    }
    set.put("toe", entry.at().getEpochSecond());
    set.put("txn", entry.requestId());
    ObjectNode subject = set.putObject("sub_id");
    if (endpoint.isPresent()) {
      subject.put("format", SUBJECT_FORMAT);
      subject.put("uri", endpoint.get() + "/" + change.resourceId());
      if (externalId != null) {
        subject.put("externalId", externalId);
      }
    } else {
      // An application (RFC 9493's opaque format: scimd's name for it).
      subject.put("format", "opaque");
      subject.put("id", change.resourceType() + "/" + change.resourceId());
    }
    set.set("events", events);
    return Optional.of(set);
  }

  /**
   * Adds the RFC 9967 (and CAEP) events of a change of a SCIM resource to {@code events}; returns
   * the resource's externalId as the change shows it, for the subject.
   */
  private static @Nullable String scimEvents(
      ObjectNode events,
      JournalEntry entry,
      EventSelection selection,
      @Nullable ObjectNode resource) {
    Change change = entry.change();
    @Nullable String externalId = null;
    switch (change) {
      case Change.Created c -> {
        externalId = text(c.attributes().get("externalId"));
        if (selection.contains(ScimEvent.CREATE_FULL)) {
          ObjectNode data = resource != null ? resource.deepCopy() : created(c);
          ObjectNode ev = events.putObject(ScimEvent.CREATE_FULL.uri());
          ev.set("data", data);
          ev.put("version", etag(1));
        }
        if (selection.contains(ScimEvent.CREATE_NOTICE)) {
          ObjectNode ev = events.putObject(ScimEvent.CREATE_NOTICE.uri());
          ArrayNode names = ev.putArray("attributes");
          names.add("id");
          c.attributes().fieldNames().forEachRemaining(n -> addName(names, n));
          c.redacted().forEach(n -> addName(names, n));
          ev.put("version", etag(1));
        }
      }
      case Change.Patched p -> {
        externalId = externalIdAfter(p.attributes(), resource);
        if (selection.contains(ScimEvent.PATCH_FULL)) {
          ArrayNode ops = operations(p.attributes());
          if (!ops.isEmpty()) {
            ObjectNode ev = events.putObject(ScimEvent.PATCH_FULL.uri());
            ObjectNode data = ev.putObject("data");
            data.putArray("schemas").add(PATCH_OP);
            data.set("Operations", ops);
            ev.put("version", etag(p.version()));
          }
        }
        if (selection.contains(ScimEvent.PATCH_NOTICE)) {
          notice(events, ScimEvent.PATCH_NOTICE, p.attributes(), p.version());
        }
        activation(events, selection, p.attributes(), entry);
      }
      case Change.Replaced r -> {
        externalId = externalIdAfter(r.attributes(), resource);
        if (selection.contains(ScimEvent.PUT_FULL) && resource != null) {
          ObjectNode ev = events.putObject(ScimEvent.PUT_FULL.uri());
          ev.set("data", resource.deepCopy());
          ev.put("version", versionOf(resource, r.version()));
        }
        if (selection.contains(ScimEvent.PUT_NOTICE)) {
          notice(events, ScimEvent.PUT_NOTICE, r.attributes(), r.version());
        }
        activation(events, selection, r.attributes(), entry);
      }
      case Change.Deleted d -> {
        externalId = text(d.attributes().get("externalId"));
        if (selection.contains(ScimEvent.DELETE)) {
          // RFC 9967 §2.4.4: a delete event has no payload attributes.
          events.putObject(ScimEvent.DELETE.uri());
        }
        sessionRevoked(events, selection, entry, "deleted from the directory");
      }
      case Change.MembersAdded m -> {
        if (selection.contains(ScimEvent.PATCH_FULL) && !m.members().isEmpty()) {
          ObjectNode op = JSON.objectNode().put("op", "add").put("path", "members");
          ArrayNode values = op.putArray("value");
          for (Member member : m.members()) {
            ObjectNode v = values.addObject().put("value", member.value());
            if (member.type() != null) {
              v.put("type", member.type());
            }
            if (member.display() != null) {
              v.put("display", member.display());
            }
          }
          membersPatch(events, op);
        }
        membersNotice(events, selection);
      }
      case Change.MembersRemoved m -> {
        if (selection.contains(ScimEvent.PATCH_FULL) && !m.members().isEmpty()) {
          StringBuilder filter = new StringBuilder("members[");
          for (int i = 0; i < m.members().size(); i++) {
            if (i > 0) {
              filter.append(" or ");
            }
            filter.append("value eq ").append(quote(m.members().get(i).value()));
          }
          filter.append(']');
          membersPatch(
              events, JSON.objectNode().put("op", "remove").put("path", filter.toString()));
        }
        membersNotice(events, selection);
      }
      case Change.AuthFailed a -> {
        // never an event: claims() returned before
      }
    }
    return externalId;
  }

  // ------------------------------------------------------------------ identity

  /**
   * The {@code jti} of the SET about entry {@code seq} of {@code tenant} for {@code stream}: {@code
   * <seq>-<tag>}, the tag a hash of tenant and stream. The same every time (a redelivery is
   * recognisable), different for each receiver of one entry (their SETs differ), and the entry's
   * number can be read back from an acknowledgement ({@link #seqOf}).
   */
  public static String jti(String tenant, String stream, long seq) {
    return seq + "-" + tag(tenant, stream);
  }

  /**
   * The entry number of a {@code jti} made by {@link #jti} for this tenant and stream; empty for
   * any other (another stream's, or not ours).
   */
  public static OptionalLong seqOf(String jti, String tenant, String stream) {
    int dash = jti.indexOf('-');
    if (dash <= 0 || dash > 19 || !jti.substring(dash + 1).equals(tag(tenant, stream))) {
      return OptionalLong.empty();
    }
    for (int i = 0; i < dash; i++) {
      if (jti.charAt(i) < '0' || jti.charAt(i) > '9') {
        return OptionalLong.empty();
      }
    }
    try {
      long seq = Long.parseLong(jti, 0, dash, 10);
      return seq > 0 ? OptionalLong.of(seq) : OptionalLong.empty();
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  private static String tag(String tenant, String stream) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256")
              .digest((tenant + "\u0000" + stream).getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(hash).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing", e);
    }
  }

  // ------------------------------------------------------------------ payloads

  /** A created resource from the journal: its attributes as created, with its id. */
  private static ObjectNode created(Change.Created c) {
    ObjectNode data = JSON.objectNode();
    JsonNode schemas = c.attributes().get("schemas");
    if (schemas != null) {
      data.set("schemas", schemas.deepCopy());
    }
    data.put("id", c.resourceId());
    c.attributes()
        .properties()
        .forEach(
            e -> {
              if (!e.getKey().equals("schemas")) {
                data.set(e.getKey(), e.getValue().deepCopy());
              }
            });
    return data;
  }

  /**
   * The PatchOp operations that make the change; redacted changes carry no value and are left out.
   */
  private static ArrayNode operations(List<Change.AttributeChange> changes) {
    ArrayNode ops = JSON.arrayNode();
    for (Change.AttributeChange a : changes) {
      if (a.redacted()) {
        continue;
      }
      JsonNode after = a.after();
      if (after == null || after.isNull()) {
        ops.addObject().put("op", "remove").put("path", a.path());
      } else {
        ops.addObject().put("op", "replace").put("path", a.path()).set("value", after.deepCopy());
      }
    }
    return ops;
  }

  private static void notice(
      ObjectNode events, ScimEvent event, List<Change.AttributeChange> changes, long version) {
    ObjectNode ev = events.putObject(event.uri());
    ArrayNode names = ev.putArray("attributes");
    for (Change.AttributeChange a : changes) {
      addName(names, a.path());
    }
    ev.put("version", etag(version));
  }

  /** {@code activate} / {@code deactivate} when {@code active} became true / false. */
  /** The subjects whose sessions a receiver ends: users and agents, never groups. */
  private static final Set<String> SESSION_SUBJECTS = Set.of("User", "Agent");

  private static void sessionRevoked(
      ObjectNode events, EventSelection selection, JournalEntry entry, String why) {
    if (!selection.contains(ScimEvent.SESSION_REVOKED)
        || !SESSION_SUBJECTS.contains(entry.change().resourceType())) {
      return;
    }
    ObjectNode ev = events.putObject(ScimEvent.SESSION_REVOKED.uri());
    ev.put("event_timestamp", entry.at().getEpochSecond());
    ev.put("initiating_entity", "admin");
    ev.putObject("reason_admin").put("en", why);
  }

  private static void activation(
      ObjectNode events,
      EventSelection selection,
      List<Change.AttributeChange> changes,
      JournalEntry entry) {
    for (Change.AttributeChange a : changes) {
      if (!a.path().equalsIgnoreCase("active") || a.redacted()) {
        continue;
      }
      JsonNode before = a.before();
      JsonNode after = a.after();
      if (after == null || !after.isBoolean()) {
        continue;
      }
      boolean was = before != null && before.isBoolean() && before.booleanValue();
      boolean wasSet = before != null && before.isBoolean();
      if (after.booleanValue() && !was && selection.contains(ScimEvent.ACTIVATE)) {
        events.putObject(ScimEvent.ACTIVATE.uri());
      } else if (!after.booleanValue() && (!wasSet || was)) {
        if (selection.contains(ScimEvent.DEACTIVATE)) {
          events.putObject(ScimEvent.DEACTIVATE.uri());
        }
        sessionRevoked(events, selection, entry, "deactivated in the directory");
      }
    }
  }

  private static void membersPatch(ObjectNode events, ObjectNode op) {
    ObjectNode data = events.putObject(ScimEvent.PATCH_FULL.uri()).putObject("data");
    data.putArray("schemas").add(PATCH_OP);
    data.putArray("Operations").add(op);
  }

  private static void membersNotice(ObjectNode events, EventSelection selection) {
    if (selection.contains(ScimEvent.PATCH_NOTICE)) {
      events.putObject(ScimEvent.PATCH_NOTICE.uri()).putArray("attributes").add("members");
    }
  }

  /** Adds an attribute name once (names compare case-insensitively, RFC 7643 §2.1). */
  private static void addName(ArrayNode names, String name) {
    Set<String> seen = new LinkedHashSet<>();
    names.forEach(n -> seen.add(n.asText().toLowerCase(java.util.Locale.ROOT)));
    if (!seen.contains(name.toLowerCase(java.util.Locale.ROOT))) {
      names.add(name);
    }
  }

  private static @Nullable String externalIdAfter(
      List<Change.AttributeChange> changes, @Nullable ObjectNode resource) {
    for (Change.AttributeChange a : changes) {
      if (a.path().equalsIgnoreCase("externalId") && !a.redacted()) {
        return text(a.after());
      }
    }
    return resource == null ? null : text(resource.get("externalId"));
  }

  private static @Nullable String text(@Nullable JsonNode node) {
    return node != null && node.isTextual() ? node.asText() : null;
  }

  private static String versionOf(ObjectNode resource, long version) {
    JsonNode v = resource.path("meta").get("version");
    return v != null && v.isTextual() ? v.asText() : etag(version);
  }

  /** A version as scimd's ETags spell it ({@code W/"3"}), as {@code meta.version} shows it. */
  static String etag(long version) {
    return "W/\"" + version + "\"";
  }

  /** A SCIM filter string literal. */
  private static String quote(String value) {
    StringBuilder out = new StringBuilder("\"");
    for (char ch : value.toCharArray()) {
      if (ch == '"' || ch == '\\') {
        out.append('\\');
      }
      out.append(ch);
    }
    return out.append('"').toString();
  }

  /** The names {@link ScimEvent#uri} of the events in a SET's claims, in order. */
  public static List<String> eventUris(ObjectNode claims) {
    List<String> out = new ArrayList<>();
    JsonNode events = claims.get("events");
    if (events != null) {
      events.fieldNames().forEachRemaining(out::add);
    }
    return out;
  }
}
