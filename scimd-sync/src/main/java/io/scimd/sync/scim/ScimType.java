package io.scimd.sync.scim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.client.ClientCredentials;
import io.scimd.client.RetryPolicy;
import io.scimd.client.ScimClient;
import io.scimd.client.ServiceProviderConfig;
import io.scimd.store.HubRecords.Target;
import io.scimd.store.Store;
import io.scimd.sync.Settings;
import io.scimd.sync.Sink;
import io.scimd.sync.TargetType;
import io.scimd.sync.UrlPolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The {@code scim} target type. Settings:
 *
 * <ul>
 *   <li>{@code url}: the target's SCIM base ({@code https://crm.example/scim/v2}), allowed by the
 *       {@link UrlPolicy};
 *   <li>{@code auth}: {@code {"bearer": "..."}}, or OAuth 2.0 client credentials {@code
 *       {"tokenUrl": ..., "clientId": ..., "clientSecret": ...}}. The bearer token and the client
 *       secret are sealed, never in the config; on a change, one left out is kept;
 *   <li>{@code profile}: {@code rfc} (default), {@code aws} or {@code entra} ({@link Profile});
 *   <li>{@code onLeave}: {@code deactivate} (default) or {@code delete}, for a resource leaving the
 *       target's scope (also taken from {@code scope.onLeave}; if both are given they must agree);
 *   <li>{@code timeoutMs}: how long one request waits for its answer (default 10,000);
 *   <li>{@code mapping}, {@code scope}: checked and applied by the {@link Mappings} given;
 *   <li>{@code reconcile}: {@code {"everyMinutes": N, "dryRun": bool}}, a reconciliation on a
 *       schedule, run by the node holding the target's delivery lease.
 * </ul>
 */
public final class ScimType implements TargetType {
  private static final Set<String> SETTINGS =
      Set.of("url", "auth", "profile", "onLeave", "timeoutMs", "mapping", "scope", "reconcile");

  /** The shortest and longest interval of a scheduled reconciliation, in minutes (a week). */
  public static final int RECONCILE_MIN_MINUTES = 5;

  public static final int RECONCILE_MAX_MINUTES = 10_080;

  private final Store store;
  private final HttpClient http;
  private final UrlPolicy urls;
  private final Mappings mappings;
  private final InstantSource clock;

  /**
   * How a target's {@code mapping} and {@code scope} settings are checked when saved, and become a
   * {@link Mapping} when it is opened: where the mapping module plugs in.
   */
  public interface Mappings {
    /**
     * Checks the {@code mapping} and {@code scope} settings (either may be missing) and returns
     * what is stored of them (put into the config as they are returned).
     *
     * @throws IllegalArgumentException naming the attribute or expression to fix
     */
    ObjectNode check(ObjectNode mappingAndScope);

    /** The mapping of a saved target, from its stored config. */
    Mapping open(Target target, ObjectNode config);

    /** No mapping or scope: every user and group goes unchanged; saving either is refused. */
    static Mappings none() {
      return new Mappings() {
        @Override
        public ObjectNode check(ObjectNode mappingAndScope) {
          if (!mappingAndScope.isEmpty()) {
            throw new IllegalArgumentException(
                "this server has no mapping support: leave out 'mapping' and 'scope'");
          }
          return mappingAndScope;
        }

        @Override
        public Mapping open(Target target, ObjectNode config) {
          return Mapping.identity();
        }
      };
    }
  }

  /**
   * @param store where the directory is read and the targets' remote ids are kept
   * @param http shared by every SCIM target's client (and its OAuth token fetches)
   */
  public ScimType(
      Store store, HttpClient http, UrlPolicy urls, Mappings mappings, InstantSource clock) {
    this.store = store;
    this.http = http;
    this.urls = urls;
    this.mappings = mappings;
    this.clock = clock;
  }

  @Override
  public String name() {
    return "scim";
  }

  @Override
  public Checked check(ObjectNode settings, @Nullable ObjectNode previous) {
    Settings.onlyKnown(settings, SETTINGS, "scim");
    ObjectNode config = JsonNodeFactory.instance.objectNode();
    ObjectNode secrets = JsonNodeFactory.instance.objectNode();

    JsonNode url = settings.get("url");
    if (url == null || !url.isTextual()) {
      throw new IllegalArgumentException(
          "a scim target needs a 'url': the target's SCIM base, e.g. https://crm.example/scim/v2");
    }
    urls.check("url", url.asText());
    config.put("url", url.asText());

    JsonNode auth = settings.get("auth");
    if (!(auth instanceof ObjectNode a)) {
      throw new IllegalArgumentException(
          "a scim target needs 'auth': {\"bearer\": \"...\"} or {\"tokenUrl\": ..., \"clientId\":"
              + " ..., \"clientSecret\": ...}");
    }
    config.set("auth", checkAuth(a, previous, secrets));

    Profile profile = Profile.RFC;
    JsonNode p = settings.get("profile");
    if (p != null && !p.isNull()) {
      if (!p.isTextual()) {
        throw new IllegalArgumentException("'profile' must be one of rfc, aws, entra");
      }
      profile = Profile.named(p.asText());
    }
    config.put("profile", profile.name());

    config.put("onLeave", onLeave(settings));

    config.put("timeoutMs", Settings.positive(settings, "timeoutMs", 10_000, 120_000));

    JsonNode reconcile = settings.get("reconcile");
    if (reconcile != null && !reconcile.isNull()) {
      config.set("reconcile", reconcileSchedule(reconcile));
    }

    ObjectNode mappingAndScope = JsonNodeFactory.instance.objectNode();
    for (String f : new String[] {"mapping", "scope"}) {
      if (settings.hasNonNull(f)) {
        mappingAndScope.set(f, settings.get(f));
      }
    }
    config.setAll(mappings.check(mappingAndScope));
    return new Checked(config, secrets, null);
  }

  /**
   * A reconciliation on a schedule: {@code {"everyMinutes": N, "dryRun": bool}}, N from {@value
   * #RECONCILE_MIN_MINUTES} to {@value #RECONCILE_MAX_MINUTES}; {@code dryRun} defaults to true
   * (repairing writes to the target, so it is asked for, as with a reconciliation on request).
   */
  private static ObjectNode reconcileSchedule(JsonNode given) {
    if (!(given instanceof ObjectNode r)) {
      throw new IllegalArgumentException(
          "'reconcile' must be an object: {\"everyMinutes\": "
              + RECONCILE_MIN_MINUTES
              + " to "
              + RECONCILE_MAX_MINUTES
              + ", \"dryRun\": true|false}");
    }
    for (Iterator<String> it = r.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!f.equals("everyMinutes") && !f.equals("dryRun")) {
        throw new IllegalArgumentException(
            "unknown 'reconcile' setting '"
                + (f.length() > 40 ? f.substring(0, 40) + "..." : f)
                + "': use everyMinutes, dryRun");
      }
    }
    JsonNode every = r.get("everyMinutes");
    if (every == null
        || !every.isIntegralNumber()
        || !every.canConvertToInt()
        || every.asInt() < RECONCILE_MIN_MINUTES
        || every.asInt() > RECONCILE_MAX_MINUTES) {
      throw new IllegalArgumentException(
          "'reconcile.everyMinutes' must be a whole number of minutes from "
              + RECONCILE_MIN_MINUTES
              + " to "
              + RECONCILE_MAX_MINUTES
              + " (a week)");
    }
    JsonNode dry = r.get("dryRun");
    if (dry != null && !dry.isNull() && !dry.isBoolean()) {
      throw new IllegalArgumentException("'reconcile.dryRun' must be true or false");
    }
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("everyMinutes", every.asInt());
    out.put("dryRun", dry == null || dry.isNull() || dry.booleanValue());
    return out;
  }

  /**
   * What happens to a user leaving the scope: {@code onLeave}, or the scope's own {@code onLeave}
   * (the mapping module's scope spec has one); both may be given only when they agree.
   */
  private static String onLeave(ObjectNode settings) {
    String top = leaveSetting(settings.get("onLeave"), "onLeave");
    String scoped = leaveSetting(settings.path("scope").get("onLeave"), "scope.onLeave");
    if (top != null && scoped != null && !top.equals(scoped)) {
      throw new IllegalArgumentException(
          "'onLeave' is '"
              + top
              + "' but 'scope.onLeave' is '"
              + scoped
              + "': give one of them, or the same in both");
    }
    return top != null ? top : scoped != null ? scoped : "deactivate";
  }

  private static @Nullable String leaveSetting(@Nullable JsonNode leave, String where) {
    if (leave == null || leave.isNull()) {
      return null;
    }
    String value = leave.isTextual() ? leave.asText().toLowerCase(Locale.ROOT) : "";
    if (!value.equals("deactivate") && !value.equals("delete")) {
      throw new IllegalArgumentException("'" + where + "' must be 'deactivate' or 'delete'");
    }
    return value;
  }

  /**
   * The saved config with a candidate {@code mapping} and {@code scope} (either may be left out:
   * then the target has none), checked as a save checks them. The scope's {@code onLeave} wins over
   * the saved one here, since the candidate is what is being tried.
   */
  @Override
  public ObjectNode withCandidate(ObjectNode config, ObjectNode candidate) {
    for (Iterator<String> it = candidate.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!f.equals("mapping") && !f.equals("scope")) {
        throw new IllegalArgumentException(
            "a preview takes a candidate 'mapping' and 'scope' only, not '" + f + "'");
      }
    }
    ObjectNode out = config.deepCopy();
    out.remove("mapping");
    out.remove("scope");
    ObjectNode mappingAndScope = JsonNodeFactory.instance.objectNode();
    for (String f : new String[] {"mapping", "scope"}) {
      if (candidate.hasNonNull(f)) {
        mappingAndScope.set(f, candidate.get(f));
      }
    }
    out.setAll(mappings.check(mappingAndScope));
    String scoped = leaveSetting(candidate.path("scope").get("onLeave"), "scope.onLeave");
    if (scoped != null) {
      out.put("onLeave", scoped);
    }
    return out;
  }

  /** The auth as stored in clear (no secret), with the secret put into {@code secrets}. */
  private ObjectNode checkAuth(ObjectNode auth, @Nullable ObjectNode previous, ObjectNode secrets) {
    ObjectNode shown = JsonNodeFactory.instance.objectNode();
    boolean oauth = auth.has("tokenUrl") || auth.has("clientId") || auth.has("clientSecret");
    if (oauth && auth.has("bearer")) {
      throw new IllegalArgumentException(
          "'auth' holds either 'bearer' or 'tokenUrl', 'clientId' and 'clientSecret', not both");
    }
    for (Iterator<String> it = auth.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!Set.of("bearer", "tokenUrl", "clientId", "clientSecret").contains(f)) {
        throw new IllegalArgumentException(
            "unknown 'auth' setting '" + f + "': use bearer, or tokenUrl, clientId, clientSecret");
      }
    }
    if (!oauth) {
      String bearer = secret(auth, "bearer", previous);
      if (bearer == null) {
        throw new IllegalArgumentException("'auth' needs a 'bearer' token");
      }
      secrets.put("bearer", bearer);
      shown.put("type", "bearer");
      return shown;
    }
    JsonNode tokenUrl = auth.get("tokenUrl");
    JsonNode clientId = auth.get("clientId");
    if (tokenUrl == null || !tokenUrl.isTextual()) {
      throw new IllegalArgumentException("'auth.tokenUrl' is required for client credentials");
    }
    urls.check("auth.tokenUrl", tokenUrl.asText());
    if (clientId == null || !clientId.isTextual() || clientId.asText().isBlank()) {
      throw new IllegalArgumentException("'auth.clientId' is required for client credentials");
    }
    String clientSecret = secret(auth, "clientSecret", previous);
    if (clientSecret == null) {
      throw new IllegalArgumentException("'auth.clientSecret' is required for client credentials");
    }
    secrets.put("clientSecret", clientSecret);
    shown.put("type", "oauth-client-credentials");
    shown.put("tokenUrl", tokenUrl.asText());
    shown.put("clientId", clientId.asText());
    return shown;
  }

  /** A secret as given, else as saved before (a change that leaves it out keeps it), else null. */
  private static @Nullable String secret(
      ObjectNode auth, String field, @Nullable ObjectNode previous) {
    JsonNode given = auth.get(field);
    if (given != null && !given.isNull()) {
      if (!given.isTextual() || given.asText().isBlank()) {
        throw new IllegalArgumentException("'auth." + field + "' must be a non-empty string");
      }
      return given.asText();
    }
    if (previous != null && previous.hasNonNull(field)) {
      return previous.get(field).asText();
    }
    return null;
  }

  /** The note ({@link io.scimd.store.HubRecords#note}) of what a target's SPC says. */
  public static final String CAPABILITIES_NOTE = "capabilities";

  /** How long a failure to read a target's ServiceProviderConfig is kept before trying again. */
  static final Duration READ_AGAIN_AFTER_FAILURE = Duration.ofMinutes(5);

  @Override
  public void saved(Target target, ObjectNode config, ObjectNode secrets) {
    try (ScimClient client = client(target, config, secrets)) {
      readCapabilities(target, config, client);
    }
  }

  @Override
  public void describe(Target target, ObjectNode config, ObjectNode status) {
    Profile profile = Profile.named(config.path("profile").asText("rfc"));
    ObjectNode out = status.putObject("capabilities");
    JsonNode note = capabilitiesNote(target, config);
    if (note == null) {
      out.put("source", "profile");
      out.put("detail", "the target's ServiceProviderConfig has not been read yet");
      out.set("effective", profile.json());
      return;
    }
    out.put("readAt", note.path("readAt").asText());
    JsonNode spc = note.get("serviceProviderConfig");
    if (spc == null) {
      out.put("source", "profile");
      out.put(
          "detail",
          "the target's ServiceProviderConfig could not be read: "
              + note.path("error").asText()
              + "; its profile alone applies");
      out.set("effective", profile.json());
      return;
    }
    out.put("source", "profile+ServiceProviderConfig");
    out.set("serviceProviderConfig", spc);
    out.set("effective", with(profile, spc).json());
  }

  /** The saved note of the target's capabilities, when it is of the target's current URL. */
  private @Nullable JsonNode capabilitiesNote(Target target, ObjectNode config) {
    return store
        .hub()
        .note(target.tenant(), target.name(), CAPABILITIES_NOTE)
        .map(n -> parse(n.body()))
        .filter(n -> n.path("url").asText().equals(config.path("url").asText()))
        .orElse(null);
  }

  /** Reads the target's ServiceProviderConfig and keeps what scimd uses of it (or the error). */
  private JsonNode readCapabilities(Target target, ObjectNode config, ScimClient client) {
    ObjectNode note = JsonNodeFactory.instance.objectNode();
    note.put("url", config.path("url").asText());
    note.put("readAt", clock.instant().toString());
    try {
      ServiceProviderConfig spc = client.serviceProviderConfig();
      ObjectNode kept = note.putObject("serviceProviderConfig");
      kept.put("patch", spc.patch());
      kept.put("filter", spc.filter());
      kept.put("filterMaxResults", spc.filterMaxResults());
      kept.put("bulk", spc.bulk());
      kept.put("bulkMaxOperations", spc.bulkMaxOperations());
      kept.put("etag", spc.etag());
      kept.put("sort", spc.sort());
    } catch (RuntimeException e) {
      note.put("error", String.valueOf(e.getMessage()));
    }
    store
        .hub()
        .putNote(
            target.tenant(), target.name(), CAPABILITIES_NOTE, clock.instant(), note.toString());
    return note;
  }

  private static Profile with(Profile profile, JsonNode spc) {
    return profile.with(
        spc.path("patch").asBoolean(true),
        spc.path("filter").asBoolean(true),
        spc.path("bulk").asBoolean(false),
        spc.path("bulkMaxOperations").asInt(0),
        spc.path("filterMaxResults").asInt(0));
  }

  private static JsonNode parse(String json) {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return JsonNodeFactory.instance.objectNode();
    }
  }

  @Override
  public Sink open(Target target, ObjectNode config, ObjectNode secrets) {
    ScimClient client = client(target, config, secrets);
    try {
      return open(target, config, client);
    } catch (RuntimeException e) {
      // The sink closes the client it is given; one that is never made must close it here.
      client.close();
      throw e;
    }
  }

  private Sink open(Target target, ObjectNode config, ScimClient client) {
    Profile profile = Profile.named(config.path("profile").asText("rfc"));
    // What the target says it supports, read when it was saved or, failing that, now (first use);
    // a failure to read it is tried again after a while, the profile alone applying meanwhile.
    JsonNode note = capabilitiesNote(target, config);
    if (note == null
        || (!note.has("serviceProviderConfig")
            && !parseInstant(note.path("readAt").asText())
                .plus(READ_AGAIN_AFTER_FAILURE)
                .isAfter(clock.instant()))) {
      note = readCapabilities(target, config, client);
    }
    JsonNode spc = note.get("serviceProviderConfig");
    if (spc != null) {
      profile = with(profile, spc);
    }
    return new ScimSink(
        store,
        target.tenant(),
        target.name(),
        client,
        profile,
        mappings.open(target, config),
        config.path("onLeave").asText("deactivate").equals("delete")
            ? ScimSink.OnLeave.DELETE
            : ScimSink.OnLeave.DEACTIVATE);
  }

  private static java.time.Instant parseInstant(String s) {
    try {
      return java.time.Instant.parse(s);
    } catch (java.time.format.DateTimeParseException e) {
      return java.time.Instant.EPOCH;
    }
  }

  @Override
  public java.util.Map<String, String> destinations(ObjectNode config) {
    java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
    out.put("url", urls.check("url", config.path("url").asText()).toString());
    JsonNode auth = config.path("auth");
    if (auth.path("type").asText().equals("oauth-client-credentials")) {
      out.put(
          "auth.tokenUrl", urls.check("auth.tokenUrl", auth.path("tokenUrl").asText()).toString());
    }
    return out;
  }

  private ScimClient client(Target target, ObjectNode config, ObjectNode secrets) {
    URI base = urls.check("url", config.path("url").asText());
    Duration timeout = Duration.ofMillis(config.path("timeoutMs").asLong(10_000));
    ScimClient.Builder b =
        ScimClient.builder(base)
            .httpClient(http)
            .requestTimeout(timeout)
            // The delivery workers retry with backoff, honouring Retry-After, and open the
            // target's circuit: retrying here as well would hold a worker on a target that is down.
            .retry(RetryPolicy.none())
            .userAgent("scimd-hub")
            .clock(clock);
    JsonNode auth = config.path("auth");
    if (auth.path("type").asText().equals("oauth-client-credentials")) {
      URI tokenUrl = urls.check("auth.tokenUrl", auth.path("tokenUrl").asText());
      b.bearer(
          ClientCredentials.builder(
                  tokenUrl, auth.path("clientId").asText(), secrets.path("clientSecret").asText())
              .httpClient(http)
              .timeout(timeout)
              .clock(clock)
              .build());
    } else {
      String bearer = secrets.path("bearer").asText("");
      if (bearer.isEmpty()) {
        throw new IllegalArgumentException("the target's bearer token is missing: save it again");
      }
      b.bearer(bearer);
    }
    return b.build();
  }
}
