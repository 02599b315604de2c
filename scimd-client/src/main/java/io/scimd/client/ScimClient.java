package io.scimd.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A client of one SCIM 2.0 service provider (RFC 7644), on {@code java.net.http}. Thread-safe: one
 * instance serves any number of threads, and should, as it holds the connection pool.
 *
 * <pre>{@code
 * try (ScimClient scim = ScimClient.builder(URI.create("https://idp.example/scim/v2"))
 *     .bearer(token)
 *     .build()) {
 *   User alice = scim.users().create(User.of("alice").withDisplayName("Alice"));
 *   scim.users().list(Filters.sw("userName", "a")).forEach(u -> ...);
 * }
 * }</pre>
 *
 * <p>{@link #resources(String)} reaches any endpoint as JSON; {@link #users()} and {@link
 * #groups()} are typed views of the same calls.
 */
public final class ScimClient implements AutoCloseable {
  private final URI base;
  private final Http http;
  private final boolean ownsHttpClient;
  private volatile @Nullable Paging autoPaging;

  private ScimClient(URI base, Http http, boolean ownsHttpClient) {
    this.base = base;
    this.http = http;
    this.ownsHttpClient = ownsHttpClient;
  }

  /**
   * A builder for the service provider at {@code base}, the URL the endpoints hang off ({@code
   * https://host/scim/v2}).
   */
  public static Builder builder(URI base) {
    return new Builder(base);
  }

  public URI base() {
    return base;
  }

  /** The resources of {@code endpoint}: {@code "Users"}, {@code "/Groups"}, any resource type's. */
  public ScimResources resources(String endpoint) {
    return new ScimResources(this, endpoint);
  }

  public TypedResources<User> users() {
    return new TypedResources<>(resources("Users"), User::of);
  }

  public TypedResources<Group> groups() {
    return new TypedResources<>(resources("Groups"), Group::of);
  }

  /** GET /ServiceProviderConfig (RFC 7644 §4). */
  public ServiceProviderConfig serviceProviderConfig() {
    return ServiceProviderConfig.of(
        Json.object(get("/ServiceProviderConfig"), "ServiceProviderConfig"));
  }

  /** GET /Schemas: every schema the server knows, as JSON (RFC 7643 §7). */
  public List<ObjectNode> schemas() {
    return Json.resources(get("/Schemas"));
  }

  /** GET /ResourceTypes (RFC 7643 §6). */
  public List<ResourceTypeInfo> resourceTypes() {
    return Json.resources(get("/ResourceTypes")).stream().map(ResourceTypeInfo::of).toList();
  }

  /**
   * POST /Bulk. Sent once: a bulk request that timed out may have been applied in part, and only
   * the caller knows how to check. An answer whose operations failed is still an answer; read each
   * {@link BulkResponse.Result}.
   */
  public BulkResponse bulk(BulkRequest request) {
    Http.Response r = http.send("POST", uri("/Bulk", List.of()), request.toJson(), null, false);
    return BulkResponse.of(Json.object(r.body(), "BulkResponse"));
  }

  /** Closes the connection pool, unless it was given by {@link Builder#httpClient}. */
  @Override
  public void close() {
    if (ownsHttpClient) {
      http.client().close();
    }
  }

  Http http() {
    return http;
  }

  URI uri(String path, List<String[]> query) {
    return URI.create(base + path + Uris.query(query));
  }

  /** Cursors when the server publishes them (RFC 9865 §4), read once; index paging otherwise. */
  Paging autoPaging() {
    Paging p = autoPaging;
    if (p == null) {
      try {
        p = serviceProviderConfig().pagination().cursor() ? Paging.CURSOR : Paging.INDEX;
      } catch (ScimClientException e) {
        if (e.unavailable()) {
          throw e; // a config we could not read now may say cursor later: do not remember INDEX
        }
        p = Paging.INDEX;
      }
      autoPaging = p;
    }
    return p;
  }

  private JsonNode get(String path) {
    Http.Response r = http.send("GET", uri(path, List.of()), null, null, true);
    JsonNode body = r.body();
    if (body == null) {
      throw new IllegalStateException("GET " + path + " answered with no body");
    }
    return body;
  }

  /** Configures a {@link ScimClient}; every setting has a default but the base URL. */
  public static final class Builder {
    private final URI base;
    private @Nullable Supplier<String> tokens;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(30);
    private RetryPolicy retry = RetryPolicy.defaults();
    private String userAgent = "scimd-client";
    private InstantSource clock = InstantSource.system();
    private @Nullable HttpClient httpClient;

    private Builder(URI base) {
      String s = base.toString();
      while (s.endsWith("/")) {
        s = s.substring(0, s.length() - 1);
      }
      URI b = URI.create(s);
      if (!b.isAbsolute()
          || !("http".equalsIgnoreCase(b.getScheme()) || "https".equalsIgnoreCase(b.getScheme()))
          || b.getRawQuery() != null
          || b.getRawFragment() != null) {
        throw new IllegalArgumentException(
            "the base must be an http(s) URL without query or fragment, not " + base);
      }
      this.base = b;
    }

    /** Sends {@code Authorization: Bearer <token>} (RFC 6750) on every request. */
    public Builder bearer(String token) {
      if (token.isBlank()) {
        throw new IllegalArgumentException("empty bearer token");
      }
      this.tokens = () -> token;
      return this;
    }

    /**
     * Asks {@code tokens} for the bearer token of every request, so that one that expires can be
     * renewed: {@link ClientCredentials} fetches OAuth 2.0 access tokens, and is asked for a new
     * one after a 401.
     */
    public Builder bearer(Supplier<String> tokens) {
      this.tokens = tokens;
      return this;
    }

    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout);
      return this;
    }

    /** How long one attempt waits for the whole answer. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive(timeout);
      return this;
    }

    public Builder retry(RetryPolicy policy) {
      this.retry = policy;
      return this;
    }

    public Builder userAgent(String userAgent) {
      this.userAgent = userAgent;
      return this;
    }

    /** The clock that an HTTP-date {@code Retry-After} is measured against. */
    public Builder clock(InstantSource clock) {
      this.clock = clock;
      return this;
    }

    /**
     * Uses {@code client} (its TLS, proxy and executor) instead of one built here; the connect
     * timeout is then its own, and {@link ScimClient#close} leaves it open.
     */
    public Builder httpClient(HttpClient client) {
      this.httpClient = client;
      return this;
    }

    public ScimClient build() {
      boolean owns = httpClient == null;
      HttpClient c =
          httpClient != null
              ? httpClient
              : HttpClient.newBuilder()
                  .connectTimeout(connectTimeout)
                  // HTTP/1.1: over plain http the JDK would try an h2c upgrade, which servers and
                  // proxies handle badly; SCIM calls gain nothing from HTTP/2.
                  .version(HttpClient.Version.HTTP_1_1)
                  .followRedirects(HttpClient.Redirect.NEVER)
                  .build();
      return new ScimClient(
          base, new Http(c, tokens, requestTimeout, retry, userAgent, clock), owns);
    }

    private static Duration positive(Duration d) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("a timeout must be positive, not " + d);
      }
      return d;
    }
  }
}
