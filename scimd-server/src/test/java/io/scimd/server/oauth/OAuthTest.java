package io.scimd.server.oauth;

import static io.scimd.server.http.TestServer.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import io.scimd.server.Main;
import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * scimd's OAuth 2.0 authorization server and its acceptance of access tokens, over HTTP against a
 * started server, with clients made by the CLI. A stand-in identity provider (the JDK's HTTP server
 * on 127.0.0.1, publishing a JWK Set as Entra ID or Okta publish theirs) signs client assertions
 * and access tokens with keys of its own. On SQLite here, on PostgreSQL in {@link
 * PostgresOAuthTest}.
 */
class OAuthTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String IDP = "https://idp.example.test/tenant-1";
  static RSAKey idpKey;

  @TempDir Path dir;
  ServerConfig config;
  TestServer server;
  HttpServer idp;
  final AtomicInteger jwksFetches = new AtomicInteger();
  String out;
  String err;

  ServerConfig config() throws Exception {
    return TestServer.config();
  }

  @BeforeAll
  static void keys() throws Exception {
    idpKey = new RSAKeyGenerator(2048).keyID("idp-key-1").generate();
  }

  @BeforeEach
  void start() throws Exception {
    idp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    idp.createContext(
        "/keys",
        exchange -> {
          jwksFetches.incrementAndGet();
          byte[] body =
              new JWKSet(idpKey.toPublicJWK()).toString(true).getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    idp.start();
    config = config();
    server = TestServer.start(config);
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    if (idp != null) {
      idp.stop(0);
    }
  }

  void restart(ServerConfig c) {
    server.close();
    config = c;
    server = TestServer.start(c);
  }

  String idpKeysUrl() {
    return "http://127.0.0.1:" + idp.getAddress().getPort() + "/keys";
  }

  int scimd(String... args) {
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    CommandLine cl = Main.commandLine(Map.of(), s -> {});
    cl.setOut(new PrintWriter(o, true));
    cl.setErr(new PrintWriter(e, true));
    List<String> all = new ArrayList<>(List.of(args));
    if (config.database() != null) {
      all.addAll(List.of("--db", config.database()));
    } else {
      all.addAll(List.of("--data", config.dataDir().toString()));
    }
    int code = cl.execute(all.toArray(String[]::new));
    out = o.toString();
    err = e.toString();
    assertThat(code).as(out + err).isZero();
    return code;
  }

  String printed(String name) {
    Matcher m = Pattern.compile(name + "=(\\S+)").matcher(out);
    assertThat(m.find()).as(out).isTrue();
    return m.group(1);
  }

  /** A client with {@code scopes} and a client secret: its id and secret. */
  String[] clientWithSecret(String name, String scopes) {
    scimd("client", "create", name, "--scope", scopes);
    scimd("token", "create", "--client", name, "--type", "client-secret");
    return new String[] {printed("SCIMD_CLIENT_ID"), printed("SCIMD_CLIENT_SECRET")};
  }

  static String form(Map<String, String> fields) {
    return fields.entrySet().stream()
        .map(
            e ->
                URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)
                    + "="
                    + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
  }

  HttpResponse<String> token(Map<String, String> fields, String... headers) {
    String[] all = new String[headers.length + 2];
    all[0] = "Content-Type";
    all[1] = "application/x-www-form-urlencoded";
    System.arraycopy(headers, 0, all, 2, headers.length);
    return server.sendRaw("POST", "/oauth/token", form(fields), all);
  }

  static String basic(String id, String secret) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString(
                (URLEncoder.encode(id, StandardCharsets.UTF_8)
                        + ":"
                        + URLEncoder.encode(secret, StandardCharsets.UTF_8))
                    .getBytes(StandardCharsets.UTF_8));
  }

  int get(String accessToken, String path) {
    return server.sendRaw("GET", path, null, "Authorization", "Bearer " + accessToken).statusCode();
  }

  static JsonNode json(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  String accessToken(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return json(r).get("access_token").asText();
  }

  String issuer() {
    return "http://127.0.0.1:" + server.port();
  }

  /** A JWT signed by the stand-in IdP's key. */
  static String signed(JWTClaimsSet claims) throws Exception {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256)
                .keyID(idpKey.getKeyID())
                .type(JOSEObjectType.JWT)
                .build(),
            claims);
    jwt.sign(new RSASSASigner(idpKey));
    return jwt.serialize();
  }

  @Test
  void metadataAndKeys_arePublished_withoutAnySecret() throws Exception {
    HttpResponse<String> meta =
        server.sendRaw("GET", "/.well-known/oauth-authorization-server", null);
    assertThat(meta.statusCode()).isEqualTo(200);
    JsonNode m = json(meta);
    assertThat(m.get("issuer").asText()).isEqualTo(issuer());
    assertThat(m.get("token_endpoint").asText()).isEqualTo(issuer() + "/oauth/token");
    assertThat(m.get("jwks_uri").asText()).isEqualTo(issuer() + "/oauth/jwks");
    assertThat(m.get("grant_types_supported").toString()).isEqualTo("[\"client_credentials\"]");
    assertThat(m.get("token_endpoint_auth_methods_supported").toString())
        .contains("client_secret_basic", "client_secret_post", "private_key_jwt");

    JsonNode keys = json(server.sendRaw("GET", "/oauth/jwks", null)).get("keys");
    assertThat(keys).hasSize(1);
    assertThat(keys.get(0).get("kty").asText()).isEqualTo("EC");
    assertThat(keys.get(0).has("d")).as("no private part").isFalse();

    JsonNode spc = json(server.sendRaw("GET", "/scim/v2/ServiceProviderConfig", null));
    assertThat(spc.get("authenticationSchemes").findValuesAsText("type"))
        .contains("oauthbearertoken", "oauth2");
    Path key = config.dataDir().resolve(OAuthSettings.KEY_FILE);
    assertThat(
            java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(key)))
        .as("this node's private signing key, its owner's only")
        .isEqualTo("rw-------");
  }

  /**
   * A SCIM write refused for its scopes is refused before its body is read; the body is read all
   * the same, so the connection serves the client's next request. Answered first and closed without
   * saying so, a keep-alive client (the JDK's) whose body was still on its way saw its next request
   * fail with "header parser received no bytes".
   */
  @Test
  void aWriteRefusedForItsScopes_keepsTheConnectionForTheNextRequest() throws Exception {
    String[] c = clientWithSecret("reader", "scim:read");
    String readOnly =
        accessToken(
            token(Map.of("grant_type", "client_credentials"), "Authorization", basic(c[0], c[1])));
    byte[] body = user("carol").getBytes(StandardCharsets.UTF_8);
    String head =
        "POST /scim/v2/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
            + readOnly
            + "\r\nContent-Type: application/scim+json\r\nContent-Length: "
            + body.length
            + "\r\n\r\n";
    String next =
        "GET /scim/v2/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
            + readOnly
            + "\r\nConnection: close\r\n\r\n";
    // The headers and half the body arrive, the rest later: the refusal is answered while the
    // body is still on its way.
    String answers = server.sendBodyLateThen(head, body, next);
    assertThat(answers).as(answers).startsWith("HTTP/1.1 403");
    assertThat(answers.split("HTTP/1.1 ", -1)).as(answers).hasSize(3);
    assertThat(answers).as(answers).contains("HTTP/1.1 200").contains("ListResponse");
  }

  @Test
  void clientCredentials_withASecret_basicOrPost_giveAScopedAccessToken() throws Exception {
    String[] c = clientWithSecret("entra", "scim:read scim:write:User");
    HttpResponse<String> r =
        token(Map.of("grant_type", "client_credentials"), "Authorization", basic(c[0], c[1]));
    String at = accessToken(r);
    assertThat(r.headers().firstValue("Cache-Control").orElseThrow()).contains("no-store");
    JsonNode body = json(r);
    assertThat(body.get("token_type").asText()).isEqualTo("Bearer");
    assertThat(body.get("expires_in").asLong()).isEqualTo(3600);
    assertThat(get(at, "/scim/v2/Users")).isEqualTo(200);
    assertThat(
            server
                .sendRaw("POST", "/scim/v2/Users", user("alice"), "Authorization", "Bearer " + at)
                .statusCode())
        .isEqualTo(201);
    assertThat(
            server
                .sendRaw(
                    "POST",
                    "/scim/v2/Groups",
                    "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:Group\"],\"displayName\":\"g\"}",
                    "Authorization",
                    "Bearer " + at)
                .statusCode())
        .isEqualTo(403);

    Map<String, String> post = new LinkedHashMap<>();
    post.put("grant_type", "client_credentials");
    post.put("client_id", c[0]);
    post.put("client_secret", c[1]);
    post.put("scope", "scim:read");
    HttpResponse<String> narrowed = token(post);
    String readOnly = accessToken(narrowed);
    assertThat(json(narrowed).get("scope").asText()).isEqualTo("scim:read");
    assertThat(
            server
                .sendRaw(
                    "POST", "/scim/v2/Users", user("bob"), "Authorization", "Bearer " + readOnly)
                .statusCode())
        .as("the token has only the scope asked for")
        .isEqualTo(403);

    post.put("scope", "admin");
    HttpResponse<String> tooMuch = token(post);
    assertThat(tooMuch.statusCode()).isEqualTo(400);
    assertThat(json(tooMuch).get("error").asText()).isEqualTo("invalid_scope");
  }

  @Test
  void badTokenRequests_getTheOAuthErrorThatNamesTheProblem() throws Exception {
    String[] c = clientWithSecret("entra", "scim:read");
    scimd("token", "create", "--client", "entra");
    String bearer = printed("SCIMD_TOKEN");

    HttpResponse<String> wrong =
        token(Map.of("grant_type", "client_credentials"), "Authorization", basic(c[0], bearer));
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(json(wrong).get("error").asText()).isEqualTo("invalid_client");
    assertThat(wrong.headers().firstValue("WWW-Authenticate").orElseThrow()).startsWith("Basic");

    HttpResponse<String> otherId =
        token(
            Map.of("grant_type", "client_credentials"),
            "Authorization",
            basic(UUID.randomUUID().toString(), c[1]));
    assertThat(json(otherId).get("error").asText()).isEqualTo("invalid_client");

    HttpResponse<String> grant =
        token(Map.of("grant_type", "password"), "Authorization", basic(c[0], c[1]));
    assertThat(grant.statusCode()).isEqualTo(400);
    assertThat(json(grant).get("error").asText()).isEqualTo("unsupported_grant_type");

    HttpResponse<String> twoWays =
        token(
            Map.of("grant_type", "client_credentials", "client_id", c[0], "client_secret", c[1]),
            "Authorization",
            basic(c[0], c[1]));
    assertThat(json(twoWays).get("error").asText()).isEqualTo("invalid_request");

    HttpResponse<String> asJson =
        server.sendRaw(
            "POST",
            "/oauth/token",
            "{\"grant_type\":\"client_credentials\"}",
            "Content-Type",
            "application/json");
    assertThat(asJson.statusCode()).isEqualTo(400);
    assertThat(json(asJson).get("error_description").asText())
        .contains("application/x-www-form-urlencoded");

    assertThat(server.sendRaw("GET", "/oauth/token", null).statusCode()).isEqualTo(405);
    assertThat(get(c[1], "/scim/v2/Users")).as("a client secret is no bearer token").isEqualTo(401);
  }

  @Test
  void privateKeyJwt_withTheClientsRegisteredKeys_inlineOrByUrl_andNeverTwice() throws Exception {
    RSAKey own = new RSAKeyGenerator(2048).keyID("client-key").generate();
    Path jwks = dir.resolve("client-jwks.json");
    Files.writeString(jwks, new JWKSet(own.toPublicJWK()).toString(true));
    scimd("client", "create", "script", "--scope", "scim:read", "--jwks", jwks.toString());
    String id = printed("SCIMD_CLIENT_ID");

    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(id)
            .subject(id)
            .audience(issuer() + "/oauth/token")
            .expirationTime(Date.from(Instant.now().plusSeconds(300)))
            .jwtID(UUID.randomUUID().toString())
            .build();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("client-key").build(), claims);
    jwt.sign(new RSASSASigner(own));
    Map<String, String> f = new LinkedHashMap<>();
    f.put("grant_type", "client_credentials");
    f.put("client_assertion_type", AuthorizationServer.ASSERTION_TYPE);
    f.put("client_assertion", jwt.serialize());
    String at = accessToken(token(f));
    assertThat(get(at, "/scim/v2/Users")).isEqualTo(200);

    HttpResponse<String> replay = token(f);
    assertThat(replay.statusCode()).isEqualTo(401);
    assertThat(json(replay).get("error_description").asText()).contains("used before");

    f.put("client_assertion", signed(claims)); // the right claims, signed by a stranger's key
    assertThat(json(token(f)).get("error").asText()).isEqualTo("invalid_client");

    // Workload identity federation: the IdP signs for the app; its keys are at a URL.
    scimd(
        "client",
        "create",
        "entra-fed",
        "--scope",
        "scim:read",
        "--jwks-uri",
        idpKeysUrl(),
        "--assertion-issuer",
        IDP,
        "--assertion-subject",
        "app-object-id-42");
    String fed = printed("SCIMD_CLIENT_ID");
    Map<String, String> g = new LinkedHashMap<>();
    g.put("grant_type", "client_credentials");
    g.put("client_id", fed);
    g.put("client_assertion_type", AuthorizationServer.ASSERTION_TYPE);
    g.put(
        "client_assertion",
        signed(
            new JWTClaimsSet.Builder()
                .issuer(IDP)
                .subject("app-object-id-42")
                .audience(issuer())
                .expirationTime(Date.from(Instant.now().plusSeconds(300)))
                .jwtID(UUID.randomUUID().toString())
                .build()));
    assertThat(get(accessToken(token(g)), "/scim/v2/Users")).isEqualTo(200);
    g.put(
        "client_assertion",
        signed(
            new JWTClaimsSet.Builder()
                .issuer(IDP)
                .subject("another-app")
                .audience(issuer())
                .expirationTime(Date.from(Instant.now().plusSeconds(300)))
                .jwtID(UUID.randomUUID().toString())
                .build()));
    assertThat(json(token(g)).get("error").asText()).isEqualTo("invalid_client");
  }

  @Test
  void anExternalIssuersAccessToken_actsAsTheClientItNames() throws Exception {
    Path trust = dir.resolve("trust.json");
    Files.writeString(
        trust,
        "[{\"issuer\":\""
            + IDP
            + "\",\"audience\":\"api://scimd\",\"jwks\":\""
            + idpKeysUrl()
            + "\",\"clientClaim\":\"azp\"}]");
    restart(config.withOAuth(OAuthSettings.DEFAULTS.withTrusted(TrustedIssuers.read(trust))));
    scimd("client", "create", "okta-app", "--scope", "scim:read");

    JWTClaimsSet.Builder claims =
        new JWTClaimsSet.Builder()
            .issuer(IDP)
            .audience("api://scimd")
            .claim("azp", "okta-app")
            .expirationTime(Date.from(Instant.now().plusSeconds(300)));
    String good = signed(claims.build());
    assertThat(get(good, "/scim/v2/Users")).isEqualTo(200);
    assertThat(
            server
                .sendRaw("POST", "/scim/v2/Users", user("x"), "Authorization", "Bearer " + good)
                .statusCode())
        .as("the mapped client's scopes")
        .isEqualTo(403);

    assertThat(get(signed(claims.audience("api://other").build()), "/scim/v2/Users"))
        .isEqualTo(401);
    assertThat(
            get(
                signed(
                    claims
                        .audience("api://scimd")
                        .expirationTime(Date.from(Instant.now().minusSeconds(120)))
                        .build()),
                "/scim/v2/Users"))
        .isEqualTo(401);
    assertThat(
            get(
                signed(
                    claims
                        .expirationTime(Date.from(Instant.now().plusSeconds(300)))
                        .claim("azp", "nobody")
                        .build()),
                "/scim/v2/Users"))
        .isEqualTo(401);
    assertThat(jwksFetches.get()).as("the IdP's keys are cached").isLessThanOrEqualTo(3);
  }

  @Test
  void anAccessToken_stopsWorkingWhenItsClientIsDeleted() throws Exception {
    String[] c = clientWithSecret("doomed", "scim:read");
    String at =
        accessToken(
            token(Map.of("grant_type", "client_credentials"), "Authorization", basic(c[0], c[1])));
    assertThat(get(at, "/scim/v2/Users")).isEqualTo(200);
    scimd("client", "delete", "doomed");
    Thread.sleep(600);
    assertThat(get(at, "/scim/v2/Users")).isEqualTo(401);
  }

  @Test
  void signingKeysRotate_andTokensOfTheOldKeyStayValid() throws Exception {
    restart(
        config.withOAuth(
            new OAuthSettings(null, Duration.ofHours(1), Duration.ofSeconds(1), List.of())));
    String[] c = clientWithSecret("entra", "scim:read");
    String first =
        accessToken(
            token(Map.of("grant_type", "client_credentials"), "Authorization", basic(c[0], c[1])));
    Thread.sleep(1_100);
    String second =
        accessToken(
            token(Map.of("grant_type", "client_credentials"), "Authorization", basic(c[0], c[1])));
    String kid1 = SignedJWT.parse(first).getHeader().getKeyID();
    String kid2 = SignedJWT.parse(second).getHeader().getKeyID();
    assertThat(kid2).isNotEqualTo(kid1);
    JsonNode keys = json(server.sendRaw("GET", "/oauth/jwks", null)).get("keys");
    assertThat(keys.findValuesAsText("kid")).contains(kid1, kid2);
    assertThat(get(first, "/scim/v2/Users")).isEqualTo(200);
    assertThat(get(second, "/scim/v2/Users")).isEqualTo(200);
  }

  @Test
  void anAccessTokenActsInItsClientsTenantOnly() throws Exception {
    scimd("tenant", "create", "acme");
    scimd("client", "create", "acme-idp", "--tenant", "acme", "--scope", "scim:read");
    scimd("token", "create", "--client", "acme-idp", "--tenant", "acme", "--type", "client-secret");
    String id = printed("SCIMD_CLIENT_ID");
    String secret = printed("SCIMD_CLIENT_SECRET");
    String at =
        accessToken(
            token(Map.of("grant_type", "client_credentials"), "Authorization", basic(id, secret)));
    assertThat(get(at, "/tenants/acme/scim/v2/Users")).isEqualTo(200);
    assertThat(get(at, "/tenants/default/scim/v2/Users")).isEqualTo(404);
  }
}
