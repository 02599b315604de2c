package io.scimd.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Bearer tokens from an OAuth 2.0 token endpoint by the client credentials grant (RFC 6749 §4.4),
 * authenticated with {@code client_secret_basic} (§2.3.1). Pass it to {@link
 * ScimClient.Builder#bearer(Supplier)}.
 *
 * <p>A token is kept until {@code expires_in} minus a margin has passed, so that a request never
 * leaves with a token about to expire; the client asks for a new one after a 401 ({@link
 * #invalidate}). A response without {@code expires_in} is kept until then. One thread fetches while
 * the others wait for its token rather than each fetching its own.
 *
 * <p>The secret is never in a message, a log line or {@link #toString()}.
 */
public final class ClientCredentials implements Supplier<String> {
  private final URI tokenUrl;
  private final String clientId;
  private final String basicAuthorization;
  private final @Nullable String scope;
  private final Duration margin;
  private final Duration timeout;
  private final InstantSource clock;
  private final HttpClient http;

  private @Nullable String token;
  private Instant expires = Instant.MIN;

  private ClientCredentials(Builder b) {
    this.tokenUrl = b.tokenUrl;
    this.clientId = b.clientId;
    // RFC 6749 §2.3.1: client id and secret are form-encoded before they are joined and encoded.
    this.basicAuthorization =
        "Basic "
            + Base64.getEncoder()
                .encodeToString(
                    (form(b.clientId) + ":" + form(b.clientSecret))
                        .getBytes(StandardCharsets.UTF_8));
    this.scope = b.scope;
    this.margin = b.margin;
    this.timeout = b.timeout;
    this.clock = b.clock;
    this.http =
        b.http != null
            ? b.http
            : HttpClient.newBuilder()
                .connectTimeout(b.timeout)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
  }

  public static Builder builder(URI tokenUrl, String clientId, String clientSecret) {
    return new Builder(tokenUrl, clientId, clientSecret);
  }

  /**
   * A valid access token, fetched when none is cached or the cached one is about to expire.
   *
   * @throws ScimClientException when the token endpoint cannot be reached or refuses
   */
  @Override
  public synchronized String get() {
    String t = token;
    if (t != null && clock.instant().isBefore(expires)) {
      return t;
    }
    return fetch();
  }

  /** Forgets the cached token: the next {@link #get} fetches a new one. */
  public synchronized void invalidate() {
    token = null;
  }

  private String fetch() {
    String form = "grant_type=client_credentials" + (scope == null ? "" : "&scope=" + form(scope));
    HttpRequest request =
        HttpRequest.newBuilder(tokenUrl)
            .timeout(timeout)
            .header("Authorization", basicAuthorization)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(form))
            .build();
    Instant asked = clock.instant();
    HttpResponse<String> r;
    try {
      r = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      throw ScimClientException.transport(ScimClientException.Kind.CONNECT, "POST", tokenUrl, e);
    } catch (HttpTimeoutException e) {
      throw ScimClientException.transport(ScimClientException.Kind.TIMEOUT, "POST", tokenUrl, e);
    } catch (IOException e) {
      throw ScimClientException.transport(ScimClientException.Kind.IO, "POST", tokenUrl, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ScimClientException.transport(ScimClientException.Kind.IO, "POST", tokenUrl, e);
    }
    JsonNode body;
    try {
      body = Http.JSON.readTree(r.body());
    } catch (IOException e) {
      body = Json.F.missingNode();
    }
    if (r.statusCode() != 200) {
      // RFC 6749 §5.2: error and error_description.
      String error = Json.text(body.path("error"));
      String description = Json.text(body.path("error_description"));
      throw new ScimClientException(
          ScimClientException.Kind.HTTP,
          "POST",
          tokenUrl,
          r.statusCode(),
          error,
          "the token endpoint refused client "
              + clientId
              + (error == null ? "" : ": " + error)
              + (description == null ? "" : " (" + description + ")"),
          null,
          null);
    }
    String accessToken = Json.text(body.path("access_token"));
    String type = Json.text(body.path("token_type"));
    if (accessToken == null || accessToken.isEmpty() || !"bearer".equalsIgnoreCase(type)) {
      throw new ScimClientException(
          ScimClientException.Kind.HTTP,
          "POST",
          tokenUrl,
          r.statusCode(),
          null,
          "the token endpoint's answer holds no bearer access_token (token_type " + type + ")",
          null,
          null);
    }
    JsonNode expiresIn = body.path("expires_in");
    // Measured from when the token was asked for, not received: a slow answer must not make the
    // token look fresher than it is.
    expires =
        expiresIn.canConvertToLong()
            ? asked.plusSeconds(expiresIn.longValue()).minus(margin)
            : Instant.MAX;
    token = accessToken;
    return accessToken;
  }

  private static String form(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "ClientCredentials[" + tokenUrl + ", client " + clientId + "]";
  }

  public static final class Builder {
    private final URI tokenUrl;
    private final String clientId;
    private final String clientSecret;
    private @Nullable String scope;
    private Duration margin = Duration.ofSeconds(30);
    private Duration timeout = Duration.ofSeconds(10);
    private InstantSource clock = InstantSource.system();
    private @Nullable HttpClient http;

    private Builder(URI tokenUrl, String clientId, String clientSecret) {
      if (clientId.isEmpty() || clientSecret.isEmpty()) {
        throw new IllegalArgumentException("client id and secret must not be empty");
      }
      this.tokenUrl = tokenUrl;
      this.clientId = clientId;
      this.clientSecret = clientSecret;
    }

    public Builder scope(String scope) {
      this.scope = scope;
      return this;
    }

    /** How long before its expiry a token is replaced (default 30 s). */
    public Builder margin(Duration margin) {
      this.margin = margin;
      return this;
    }

    public Builder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    public Builder clock(InstantSource clock) {
      this.clock = clock;
      return this;
    }

    public Builder httpClient(HttpClient http) {
      this.http = http;
      return this;
    }

    public ClientCredentials build() {
      return new ClientCredentials(this);
    }
  }
}
