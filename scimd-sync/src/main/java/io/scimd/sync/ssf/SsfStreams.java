package io.scimd.sync.ssf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.store.HubRecords;
import io.scimd.store.HubRecords.Target;
import io.scimd.store.JournalEntry;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.sync.Hub;
import io.scimd.sync.Outcome;
import io.scimd.sync.events.EventSelection;
import io.scimd.sync.events.SecurityEvents;
import io.scimd.sync.events.SetSigner;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SSF 1.0 transmitter of one scimd, free of HTTP: its configuration metadata, the management of
 * a tenant's streams (create, read, update, replace, delete; status; subjects; verification) and
 * the poll endpoint (RFC 8936). Streams are hub targets ({@link SsfType}): a push stream is
 * delivered by the workers like any target, a poll stream is read here from the tenant's journal at
 * its cursor, which only the receiver's acknowledgements move.
 *
 * <p>Every method is confined to the tenant of its scope, and to targets of the SSF types: a stream
 * id naming a webhook target of the tenant is no stream.
 */
public final class SsfStreams {
  private static final Logger LOG = LoggerFactory.getLogger(SsfStreams.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();

  /** What a receiver supplies in a stream configuration (SSF 1.0 §8.1.1). */
  private static final Set<String> RECEIVER_SUPPLIED =
      Set.of("delivery", "events_requested", "description", "aud");

  /** What the transmitter supplies: a receiver echoing them (a PUT of what it read) is ignored. */
  private static final Set<String> TRANSMITTER_SUPPLIED =
      Set.of(
          "stream_id",
          "iss",
          "events_supported",
          "events_delivered",
          "min_verification_interval",
          "inactivity_timeout");

  /** The most SETs one poll returns, whatever {@code maxEvents} asks. */
  public static final int MAX_EVENTS = 1000;

  /** How many SETs a poll returns when {@code maxEvents} is not given. */
  public static final int DEFAULT_EVENTS = 100;

  private final Store store;
  private final Hub hub;
  private final HubRecords records;
  private final SecurityEvents events;
  private final SetSigner signer;
  private final SsfPushSink.Resources resources;
  private final InstantSource clock;

  public SsfStreams(
      Store store,
      Hub hub,
      SecurityEvents events,
      SetSigner signer,
      SsfPushSink.Resources resources,
      InstantSource clock) {
    this.store = store;
    this.hub = hub;
    this.records = store.hub();
    this.events = events;
    this.signer = signer;
    this.resources = resources;
    this.clock = clock;
  }

  // ---------------------------------------------------------------- configuration

  /**
   * The transmitter configuration metadata (SSF 1.0 §7.1) of {@code issuer}, whose endpoints are
   * under it: {@code <issuer>/ssf/streams}, {@code /ssf/status}, {@code /ssf/subjects:add}, {@code
   * /ssf/subjects:remove}, {@code /ssf/verify}.
   */
  public ObjectNode configuration(String issuer, String jwksUri) {
    ObjectNode c = JSON.createObjectNode();
    c.put("spec_version", Ssf.SPEC_VERSION);
    c.put("issuer", issuer);
    c.put("jwks_uri", jwksUri);
    c.putArray("delivery_methods_supported").add(Ssf.PUSH).add(Ssf.POLL);
    c.put("configuration_endpoint", issuer + "/ssf/streams");
    c.put("status_endpoint", issuer + "/ssf/status");
    c.put("add_subject_endpoint", issuer + "/ssf/subjects:add");
    c.put("remove_subject_endpoint", issuer + "/ssf/subjects:remove");
    c.put("verification_endpoint", issuer + "/ssf/verify");
    c.putArray("authorization_schemes").addObject().put("spec_urn", "urn:ietf:rfc:6749");
    // Every change of the tenant is an event of every stream: subjects are not chosen one by one.
    c.put("default_subjects", "ALL");
    return c;
  }

  // ---------------------------------------------------------------- streams

  /**
   * Creates a stream for the request's receiver (SSF 1.0 §8.1.1.1): push when {@code
   * delivery.method} is RFC 8935's, poll when it is RFC 8936's or left out.
   *
   * @param issuer the transmitter's issuer as the receiver addressed it: the {@code iss} of the
   *     stream's SETs from now on
   * @param defaultAudience the {@code aud} when the receiver names none
   */
  public ObjectNode create(Scope scope, String issuer, String defaultAudience, ObjectNode request) {
    checkFields(request);
    JsonNode delivery = request.get("delivery");
    String method = method(delivery);
    boolean push = method.equals(Ssf.PUSH);
    String id = newStreamId();
    ObjectNode definition = JSON.createObjectNode();
    definition.put("name", id);
    definition.put("type", push ? Ssf.PUSH_TYPE : Ssf.POLL_TYPE);
    definition.put("iss", issuer);
    JsonNode aud = request.get("aud");
    if (aud == null || aud.isNull()) {
      definition.putArray("aud").add(defaultAudience);
    } else {
      definition.set("aud", aud);
    }
    copyReceiverFields(request, delivery, push, definition);
    try {
      hub.create(scope, definition);
    } catch (IllegalArgumentException e) {
      throw SsfError.invalid(e.getMessage());
    }
    return read(scope.tenant(), id);
  }

  /** A stream's configuration as SSF shows it (SSF 1.0 §8.1.1). */
  public ObjectNode read(String tenant, String streamId) {
    return show(stream(tenant, streamId));
  }

  /** Every stream of the tenant, oldest name first. */
  public ArrayNode list(String tenant) {
    ArrayNode out = JSON.createArrayNode();
    for (Target t : records.targets(tenant)) {
      if (isStream(t)) {
        out.add(show(t));
      }
    }
    return out;
  }

  /**
   * Changes the receiver-supplied fields a request names ({@code PATCH}, SSF 1.0 §8.1.1.3), or
   * replaces them all ({@code PUT}, §8.1.1.4: those left out take their defaults).
   */
  public ObjectNode update(Scope scope, ObjectNode request, boolean replace) {
    String id = streamId(request);
    Target t = stream(scope.tenant(), id);
    checkFields(request);
    ObjectNode config = parse(t.config());
    boolean push = t.type().equals(Ssf.PUSH_TYPE);
    JsonNode delivery = request.get("delivery");
    if (delivery != null && !delivery.isNull()) {
      String method = method(delivery);
      if (!method.equals(push ? Ssf.PUSH : Ssf.POLL)) {
        throw SsfError.invalid(
            "a stream's delivery method cannot change (it is "
                + (push ? Ssf.PUSH : Ssf.POLL)
                + "): create a new stream and delete this one");
      }
    }
    ObjectNode definition = JSON.createObjectNode();
    definition.put("iss", config.path("iss").asText());
    JsonNode aud = request.get("aud");
    definition.set("aud", aud != null && !aud.isNull() ? aud : config.get("aud"));
    if (!replace) {
      // A PATCH keeps what it does not name.
      for (String keep : List.of("endpoint_url", "events_requested", "description")) {
        if (config.has(keep)) {
          definition.set(keep, config.get(keep));
        }
      }
    }
    definition.put("status", config.path("status").asText(Ssf.ENABLED));
    copyIfPresent(config, definition, "reason");
    copyIfPresent(config, definition, "verification");
    copyIfPresent(config, definition, "deletionGuard"); // an operator's setting, kept
    if (replace && push && (delivery == null || !delivery.hasNonNull("endpoint_url"))) {
      throw SsfError.invalid("a push stream's 'delivery' needs its 'endpoint_url'");
    }
    copyReceiverFields(request, delivery, push, definition);
    if (replace
        && push
        && (delivery == null || !delivery.has("authorization_header"))
        && !definition.has("authorization_header")) {
      definition.putNull("authorization_header");
    }
    save(scope, t, definition);
    return read(scope.tenant(), id);
  }

  public void delete(Scope scope, String streamId) {
    stream(scope.tenant(), streamId);
    hub.delete(scope, streamId);
  }

  /** SSF 1.0 §8.1.2.1: {@code stream_id}, {@code status}, and {@code reason} when one was given. */
  public ObjectNode status(String tenant, String streamId) {
    Target t = stream(tenant, streamId);
    ObjectNode config = parse(t.config());
    ObjectNode out = JSON.createObjectNode();
    out.put("stream_id", t.name());
    if (t.paused()) {
      out.put("status", Ssf.PAUSED);
      String reason = config.path("reason").asText(null);
      out.put("reason", reason != null ? reason : t.pausedReason());
      return out;
    }
    out.put("status", config.path("status").asText(Ssf.ENABLED));
    if (config.hasNonNull("reason")) {
      out.put("reason", config.get("reason").asText());
    }
    return out;
  }

  /**
   * Updates a stream's status (SSF 1.0 §8.1.2.2): {@code paused} holds its events (a push stream's
   * target is paused, its cursor stays), {@code disabled} passes them over without sending or
   * holding them, {@code enabled} goes on from where the stream is.
   */
  public ObjectNode setStatus(Scope scope, ObjectNode request) {
    String id = streamId(request);
    Target t = stream(scope.tenant(), id);
    JsonNode status = request.get("status");
    if (status == null
        || !status.isTextual()
        || !List.of(Ssf.ENABLED, Ssf.PAUSED, Ssf.DISABLED).contains(status.asText())) {
      throw SsfError.invalid("'status' must be enabled, paused or disabled");
    }
    JsonNode reason = request.get("reason");
    if (reason != null && !reason.isNull() && !reason.isTextual()) {
      throw SsfError.invalid("'reason' must be a string");
    }
    ObjectNode definition = parse(t.config());
    definition.put("status", status.asText());
    if (reason != null && reason.isTextual()) {
      definition.put("reason", reason.asText());
    } else {
      definition.remove("reason");
    }
    save(scope, t, definition);
    boolean pause = status.asText().equals(Ssf.PAUSED);
    if (pause != t.paused()) {
      hub.pause(
          scope,
          id,
          pause
              ? "paused by the stream's receiver"
                  + (reason != null && reason.isTextual() ? ": " + reason.asText() : "")
              : null);
    }
    return status(scope.tenant(), id);
  }

  /**
   * Adding or removing a subject (SSF 1.0 §8.1.3): every resource of the tenant is a subject of
   * every stream ({@code default_subjects: ALL}), so this checks the request and changes nothing.
   */
  public void subjects(String tenant, ObjectNode request) {
    stream(tenant, streamId(request));
    JsonNode subject = request.get("subject");
    if (subject == null || !subject.isObject() || !subject.path("format").isTextual()) {
      throw SsfError.invalid("'subject' must be a subject identifier with a 'format'");
    }
  }

  /**
   * Sends the verification event (SSF 1.0 §8.1.4) of a stream: at once to a push stream's receiver;
   * to a poll stream's, first in its next poll, until it acknowledges it.
   */
  public void verify(Scope scope, ObjectNode request) {
    String id = streamId(request);
    Target t = stream(scope.tenant(), id);
    JsonNode state = request.get("state");
    if (state != null
        && !state.isNull()
        && (!state.isTextual() || state.asText().length() > 1000)) {
      throw SsfError.invalid("'state' must be a string of at most 1000 characters");
    }
    ObjectNode config = parse(t.config());
    String jti = "verification-" + UUID.randomUUID();
    @Nullable String stateText = state != null && state.isTextual() ? state.asText() : null;
    if (t.type().equals(Ssf.PUSH_TYPE)) {
      String set = signer.sign(verification(t, config, jti, stateText, clock.instant()));
      // The target's own sink sends it: the stream's secrets stay where the hub opens them.
      try (io.scimd.sync.Sink sink = hub.sinks().open(t)) {
        Outcome.Failure failure = ((SsfPushSink) sink).push(set);
        if (failure != null) {
          LOG.info(
              "ssf: the verification event of {}/{} was not delivered: {}",
              t.tenant(),
              id,
              failure.reason());
        }
      } catch (IllegalArgumentException e) {
        throw SsfError.invalid("the stream cannot deliver: " + e.getMessage());
      }
      return;
    }
    ObjectNode pending = JSON.createObjectNode().put("jti", jti);
    if (stateText != null) {
      pending.put("state", stateText);
    }
    config.set("verification", pending);
    save(scope, t, config);
  }

  // ---------------------------------------------------------------- polling (RFC 8936)

  /**
   * One poll of a poll stream (RFC 8936 §2.4): the SETs acknowledged ({@code ack}) or refused
   * ({@code setErrs}) are done with, the cursor moves past them as far as the stream's entries are
   * done with in order, and up to {@code maxEvents} SETs from the cursor are returned as {@code
   * {"sets": {jti: SET}, "moreAvailable": bool}}. SETs not acknowledged come again in the next
   * poll, with the same {@code jti}. Unless {@code returnImmediately}, a poll with nothing to
   * return waits up to {@code maxWait} for a change.
   */
  public ObjectNode poll(Scope scope, String streamId, JsonNode request, Duration maxWait) {
    Target t = stream(scope.tenant(), streamId);
    if (!t.type().equals(Ssf.POLL_TYPE)) {
      throw SsfError.invalid(
          "stream '" + SsfError.clip(streamId) + "' is delivered by push, not polled");
    }
    if (!request.isObject()) {
      throw SsfError.invalid("the poll request must be a JSON object");
    }
    int maxEvents = DEFAULT_EVENTS;
    JsonNode max = request.get("maxEvents");
    if (max != null && !max.isNull()) {
      if (!max.canConvertToInt() || !max.isIntegralNumber() || max.asInt() < 0) {
        throw SsfError.invalid("'maxEvents' must be a whole number, 0 or more");
      }
      maxEvents = Math.min(max.asInt(), MAX_EVENTS);
    }
    JsonNode immediately = request.get("returnImmediately");
    if (immediately != null && !immediately.isNull() && !immediately.isBoolean()) {
      throw SsfError.invalid("'returnImmediately' must be true or false");
    }
    boolean returnImmediately = immediately != null && immediately.asBoolean(false);
    Set<String> done = new HashSet<>();
    JsonNode ack = request.get("ack");
    if (ack != null && !ack.isNull()) {
      if (!ack.isArray()) {
        throw SsfError.invalid("'ack' must be an array of jti values");
      }
      for (JsonNode j : ack) {
        if (!j.isTextual()) {
          throw SsfError.invalid("'ack' must be an array of jti values");
        }
        done.add(j.asText());
      }
    }
    JsonNode errs = request.get("setErrs");
    if (errs != null && !errs.isNull()) {
      if (!errs.isObject()) {
        throw SsfError.invalid("'setErrs' must map jti values to {err, description}");
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = errs.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        // A SET the receiver could not take will not be taken by sending it again.
        LOG.info(
            "ssf: the receiver of {}/{} refused SET {}: {}",
            scope.tenant(),
            streamId,
            SsfError.clip(e.getKey()),
            e.getValue().toString().length() > 300
                ? e.getValue().toString().substring(0, 300)
                : e.getValue().toString());
        done.add(e.getKey());
      }
    }
    ObjectNode config = parse(t.config());
    JsonNode pending = config.get("verification");
    if (pending != null && done.contains(pending.path("jti").asText())) {
      config.remove("verification");
      t = save(scope, t, config);
      config = parse(t.config());
    }
    EventSelection selection = SsfType.selection(config);
    SecurityEvents.Recipient recipient = SsfType.recipient(t, config);
    acknowledge(t, selection, recipient, done);

    String status = t.paused() ? Ssf.PAUSED : config.path("status").asText(Ssf.ENABLED);
    Instant deadline = clock.instant().plus(maxWait);
    while (true) {
      ObjectNode out = JSON.createObjectNode();
      ObjectNode sets = out.putObject("sets");
      boolean more = false;
      if (status.equals(Ssf.DISABLED)) {
        skipAll(t);
      } else if (status.equals(Ssf.ENABLED) && maxEvents > 0) {
        if (config.hasNonNull("verification")) {
          JsonNode v = config.get("verification");
          sets.put(
              v.path("jti").asText(),
              signer.sign(
                  verification(
                      t,
                      config,
                      v.path("jti").asText(),
                      v.hasNonNull("state") ? v.get("state").asText() : null,
                      clock.instant())));
        }
        more = collect(t, selection, recipient, maxEvents, sets);
      }
      out.put("moreAvailable", more);
      if (!sets.isEmpty()
          || returnImmediately
          || maxEvents == 0
          || !status.equals(Ssf.ENABLED)
          || !clock.instant().isBefore(deadline)) {
        return out;
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return out;
      }
    }
  }

  /**
   * Moves the cursor past the entries at its head that are done with: those acknowledged, and those
   * that make no SET for this stream (they were never anyone's to acknowledge).
   */
  private void acknowledge(
      Target t, EventSelection selection, SecurityEvents.Recipient recipient, Set<String> done) {
    Set<Long> acked = new HashSet<>();
    for (String jti : done) {
      OptionalLong seq = SecurityEvents.seqOf(jti, t.tenant(), t.name());
      if (seq.isPresent()) {
        acked.add(seq.getAsLong());
      }
    }
    long next = cursor(t);
    long moved = next;
    Scope system = Scope.system(t.tenant(), "ssf");
    outer:
    while (true) {
      long from = moved;
      List<JournalEntry> page = store.read(system, r -> r.journal(from - 1, 1000));
      if (page.isEmpty()) {
        break;
      }
      for (JournalEntry e : page) {
        if (!acked.contains(e.seq())
            && claims(e, selection, recipient, clock.instant()).isPresent()) {
          break outer;
        }
        moved = e.seq() + 1;
      }
    }
    if (moved > next) {
      records.acknowledge(t.tenant(), t.name(), moved, clock.instant());
    }
  }

  /** A disabled stream holds nothing: its cursor follows the journal. */
  private void skipAll(Target t) {
    Scope system = Scope.system(t.tenant(), "ssf");
    long next = cursor(t);
    long moved = next;
    while (true) {
      long from = moved;
      List<JournalEntry> page = store.read(system, r -> r.journal(from - 1, 1000));
      if (page.isEmpty()) {
        break;
      }
      moved = page.get(page.size() - 1).seq() + 1;
    }
    if (moved > next) {
      records.acknowledge(t.tenant(), t.name(), moved, clock.instant());
    }
  }

  /** Adds up to {@code max} SETs from the cursor; true when more entries follow them. */
  private boolean collect(
      Target t,
      EventSelection selection,
      SecurityEvents.Recipient recipient,
      int max,
      ObjectNode sets) {
    Scope system = Scope.system(t.tenant(), "ssf");
    long from = cursor(t);
    Instant now = clock.instant();
    while (true) {
      long after = from - 1;
      List<JournalEntry> page = store.read(system, r -> r.journal(after, 1000));
      if (page.isEmpty()) {
        return false;
      }
      for (JournalEntry e : page) {
        if (sets.size() >= max) {
          return true;
        }
        Optional<ObjectNode> claims = claims(e, selection, recipient, now);
        if (claims.isPresent()) {
          sets.put(claims.get().path("jti").asText(), signer.sign(claims.get()));
        }
      }
      from = page.get(page.size() - 1).seq() + 1;
    }
  }

  /**
   * The claims of the SET an entry makes for this stream, if any: the same answer for the poll that
   * returns it and for the acknowledgement that moves past it, so an entry that makes none (a
   * {@code put:full} of a resource deleted since, and nothing else requested) never holds the
   * cursor.
   */
  private Optional<ObjectNode> claims(
      JournalEntry e, EventSelection selection, SecurityEvents.Recipient recipient, Instant now) {
    if (!events.isEvent(e, selection)) {
      return Optional.empty();
    }
    ObjectNode resource =
        events.wantsResource(e, selection)
            ? resources
                .read(e.tenant(), e.change().resourceType(), e.change().resourceId())
                .orElse(null)
            : null;
    return events.claims(e, recipient, selection, resource, now);
  }

  private long cursor(Target t) {
    return records
        .cursor(t.tenant(), t.name())
        .orElseThrow(() -> SsfError.notFound(t.name()))
        .nextSeq();
  }

  // ---------------------------------------------------------------- helpers

  private ObjectNode verification(
      Target t, ObjectNode config, String jti, @Nullable String state, Instant now) {
    ObjectNode set = JSON.createObjectNode();
    set.put("iss", config.path("iss").asText());
    set.put("iat", now.getEpochSecond());
    set.put("jti", jti);
    SecurityEvents.Recipient r = SsfType.recipient(t, config);
    if (r.audience().size() == 1) {
      set.put("aud", r.audience().get(0));
    } else {
      ArrayNode aud = set.putArray("aud");
      r.audience().forEach(aud::add);
    }
    set.putObject("sub_id").put("format", "opaque").put("id", t.name());
    ObjectNode ev = set.putObject("events").putObject(Ssf.VERIFICATION);
    if (state != null) {
      ev.put("state", state);
    }
    return set;
  }

  private ObjectNode show(Target t) {
    ObjectNode config = parse(t.config());
    ObjectNode out = JSON.createObjectNode();
    out.put("stream_id", t.name());
    out.put("iss", config.path("iss").asText());
    JsonNode aud = config.path("aud");
    if (aud.size() == 1) {
      out.put("aud", aud.get(0).asText());
    } else {
      out.set("aud", aud.deepCopy());
    }
    ArrayNode supported = out.putArray("events_supported");
    EventSelection.supported().forEach(supported::add);
    out.set(
        "events_requested",
        config.has("events_requested") ? config.get("events_requested") : JSON.createArrayNode());
    ArrayNode delivered = out.putArray("events_delivered");
    SsfType.selection(config).uris().forEach(delivered::add);
    ObjectNode delivery = out.putObject("delivery");
    boolean push = t.type().equals(Ssf.PUSH_TYPE);
    delivery.put("method", push ? Ssf.PUSH : Ssf.POLL);
    delivery.put(
        "endpoint_url",
        push
            ? config.path("endpoint_url").asText()
            : config.path("iss").asText() + "/ssf/poll/" + t.name());
    if (config.hasNonNull("description")) {
      out.put("description", config.get("description").asText());
    }
    return out;
  }

  private Target stream(String tenant, String streamId) {
    return records
        .target(tenant, streamId)
        .filter(SsfStreams::isStream)
        .orElseThrow(() -> SsfError.notFound(streamId));
  }

  private static boolean isStream(Target t) {
    return t.type().equals(Ssf.PUSH_TYPE) || t.type().equals(Ssf.POLL_TYPE);
  }

  private Target save(Scope scope, Target t, ObjectNode definition) {
    try {
      return hub.update(scope, t.name(), definition)
          .flatMap(saved -> records.target(t.tenant(), t.name()))
          .orElseThrow(() -> SsfError.notFound(t.name()));
    } catch (IllegalArgumentException e) {
      throw SsfError.invalid(e.getMessage());
    } catch (IllegalStateException e) {
      throw new SsfError(409, "conflict", "the stream changed meanwhile: read it and try again");
    }
  }

  private static void checkFields(ObjectNode request) {
    for (Iterator<String> it = request.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!RECEIVER_SUPPLIED.contains(f) && !TRANSMITTER_SUPPLIED.contains(f)) {
        throw SsfError.invalid(
            "unknown stream configuration field '"
                + SsfError.clip(f)
                + "': a receiver gives delivery, events_requested, description and aud");
      }
    }
  }

  private static String method(@Nullable JsonNode delivery) {
    if (delivery == null || delivery.isNull()) {
      return Ssf.POLL;
    }
    if (!delivery.isObject()) {
      throw SsfError.invalid("'delivery' must be an object with a 'method'");
    }
    for (Iterator<String> it = delivery.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!List.of("method", "endpoint_url", "authorization_header").contains(f)) {
        throw SsfError.invalid(
            "unknown delivery field '"
                + SsfError.clip(f)
                + "': use method, endpoint_url, authorization_header");
      }
    }
    JsonNode method = delivery.get("method");
    if (method == null || !method.isTextual()) {
      return Ssf.POLL;
    }
    String m = method.asText();
    if (!m.equals(Ssf.PUSH) && !m.equals(Ssf.POLL)) {
      throw SsfError.invalid(
          "unsupported delivery method '"
              + SsfError.clip(m)
              + "': use "
              + Ssf.PUSH
              + " (push) or "
              + Ssf.POLL
              + " (poll)");
    }
    return m;
  }

  /** Copies the receiver's fields of a request into a target definition. */
  private static void copyReceiverFields(
      ObjectNode request, @Nullable JsonNode delivery, boolean push, ObjectNode definition) {
    if (delivery != null && delivery.isObject()) {
      if (push && delivery.has("endpoint_url")) {
        definition.set("endpoint_url", delivery.get("endpoint_url"));
      }
      if (delivery.has("authorization_header")) {
        if (!push) {
          throw SsfError.invalid(
              "a poll stream has no 'authorization_header': the receiver authenticates when it"
                  + " polls");
        }
        definition.set("authorization_header", delivery.get("authorization_header"));
      }
    }
    if (request.has("events_requested")) {
      definition.set("events_requested", request.get("events_requested"));
    }
    if (request.has("description")) {
      definition.set("description", request.get("description"));
    }
  }

  private static void copyIfPresent(ObjectNode from, ObjectNode to, String field) {
    if (from.hasNonNull(field)) {
      to.set(field, from.get(field));
    }
  }

  private static String streamId(ObjectNode request) {
    JsonNode id = request.get("stream_id");
    if (id == null || !id.isTextual() || id.asText().isEmpty()) {
      throw SsfError.invalid("the request needs the 'stream_id'");
    }
    return id.asText();
  }

  /** A new stream id: a valid target name, unguessable ({@code ssf-} and 26 base32 letters). */
  private static String newStreamId() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    StringBuilder s = new StringBuilder("ssf-");
    String alphabet = "abcdefghijklmnopqrstuvwxyz234567";
    long acc = 0;
    int bits = 0;
    for (byte x : b) {
      acc = (acc << 8) | (x & 0xff);
      bits += 8;
      while (bits >= 5) {
        s.append(alphabet.charAt((int) ((acc >> (bits - 5)) & 31)));
        bits -= 5;
      }
    }
    return s.toString().toLowerCase(Locale.ROOT);
  }

  private static ObjectNode parse(String json) {
    try {
      JsonNode n = JSON.readTree(json);
      return n instanceof ObjectNode o ? o : JSON.createObjectNode();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a stored stream is not JSON", e);
    }
  }
}
