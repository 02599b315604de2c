package io.scimd.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.scimd.server.http.TestServer;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console's sign-in through OIDC, over real HTTP against a started scimd and a real OIDC
 * provider started beside it (mock-oauth2-server: discovery, JWKS, authorize, token endpoints, PKCE
 * checked): the whole flow, and each way it must be refused.
 */
class ConsoleOidcTest {
  private static final String CLIENT_ID = "scimd-console";
  private static final String ADMIN_EMAIL = "alice@example.com";
  private static final String ADMIN_GROUP = "scimd-admins";
  private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");

  private static MockOAuth2Server idp;
  private static TestServer server;
  private static final HttpClient BROWSER =
      HttpClient.newBuilder()
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  @BeforeAll
  static void start() {
    idp = new MockOAuth2Server();
    idp.start();
    String issuer = idp.issuerUrl("default").toString();
    server =
        TestServer.start(
            TestServer.config()
                .withConsoleOidc(
                    new ConsoleOidc(
                        issuer,
                        CLIENT_ID,
                        "the-client-secret",
                        List.of(ADMIN_EMAIL),
                        ADMIN_GROUP,
                        null)));
  }

  @AfterAll
  static void stop() {
    server.close();
    idp.shutdown();
  }

  /** A server of its own whose console signs in at {@code issuer}, {@code admins} its admins. */
  private static TestServer serverFor(String issuer, List<String> admins) {
    return TestServer.start(
        TestServer.config()
            .withConsoleOidc(
                new ConsoleOidc(issuer, CLIENT_ID, "the-client-secret", admins, null, null)));
  }

  /** A sign-in started at scimd: the provider's authorize URL and the state cookie. */
  record Started(URI authorize, String stateCookie) {}

  private static Started begin() {
    return begin(server);
  }

  private static Started begin(TestServer on) {
    HttpResponse<String> r = on.sendRaw("GET", "/console/oidc/start", null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(303);
    String set = setCookie(r, Console.OIDC_COOKIE);
    assertThat(set)
        .contains("HttpOnly")
        .contains("SameSite=Lax")
        .contains("Path=/console/oidc")
        .contains("Max-Age=600");
    return new Started(
        URI.create(r.headers().firstValue("Location").orElseThrow()),
        cookieValue(set, Console.OIDC_COOKIE));
  }

  /** The provider's answer to {@code authorize}: the path and query of scimd's callback. */
  private static String authorize(URI authorize) {
    HttpResponse<String> r = get(authorize);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(302);
    URI back = URI.create(r.headers().firstValue("Location").orElseThrow());
    assertThat(back.getPath()).isEqualTo("/console/oidc/callback");
    return back.getRawPath() + "?" + back.getRawQuery();
  }

  private static HttpResponse<String> callback(String pathAndQuery, String stateCookie) {
    return callback(server, pathAndQuery, stateCookie);
  }

  private static HttpResponse<String> callback(
      TestServer on, String pathAndQuery, String stateCookie) {
    return on.sendRaw("GET", pathAndQuery, null, "Cookie", Console.OIDC_COOKIE + "=" + stateCookie);
  }

  /**
   * The provider will put these claims in its next ID token, for {@code audience} (the provider
   * addresses its ID tokens to the client that asks; an {@code aud} claim overrides that).
   */
  private static void nextPerson(String subject, Map<String, Object> claims, String audience) {
    Map<String, Object> all = new HashMap<>(claims);
    if (!audience.equals(CLIENT_ID)) {
      all.put("aud", List.of(audience));
    }
    idp.enqueueCallback(
        new DefaultOAuth2TokenCallback("default", subject, "JWT", List.of(audience), all, 3600));
  }

  @Test
  void signInPage_offersTheProvider_besideTheTokenForm() {
    HttpResponse<String> page = server.sendRaw("GET", "/console/signin", null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body())
        .contains("href=\"/console/oidc/start\"")
        .contains("Sign in with localhost")
        .contains("<label for=\"token\">");
  }

  @Test
  void anAdminByEmail_signsIn_withACookieLikeATokensSession_andIsShownInTheHeader() {
    Started started = begin();
    Map<String, String> params = query(started.authorize());
    assertThat(params)
        .containsEntry("response_type", "code")
        .containsEntry("client_id", CLIENT_ID)
        .containsEntry("code_challenge_method", "S256")
        .containsEntry("state", started.stateCookie())
        .containsKeys("nonce", "code_challenge", "redirect_uri");
    assertThat(params.get("redirect_uri")).isEqualTo(server.url("/console/oidc/callback"));
    assertThat(params.get("scope")).contains("openid").contains("email");

    String back = authorize(started.authorize());
    nextPerson(
        "alice-sub",
        Map.of("email", ADMIN_EMAIL, "email_verified", true, "name", "Alice"),
        CLIENT_ID);
    HttpResponse<String> signedIn = callback(back, started.stateCookie());
    assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(200);
    assertThat(signedIn.body())
        .contains("Signed in as " + ADMIN_EMAIL)
        .contains("http-equiv=\"refresh\"")
        .contains("url=/console/users");
    String set = setCookie(signedIn, Console.SESSION_COOKIE);
    assertThat(set).contains("HttpOnly").contains("SameSite=Strict").contains("Path=/console");
    assertThat(signedIn.headers().allValues("Set-Cookie"))
        .anyMatch(
            c ->
                c.startsWith(Console.OIDC_COOKIE + "=;") && c.contains("Expires=Thu, 01 Jan 1970"));

    String cookie = Console.SESSION_COOKIE + "=" + cookieValue(set, Console.SESSION_COOKIE);
    HttpResponse<String> users = server.sendRaw("GET", "/console/users", null, "Cookie", cookie);
    assertThat(users.statusCode()).as(users.body()).isEqualTo(200);
    assertThat(users.body()).contains(ADMIN_EMAIL);

    // A change made in the console is the person's in the journal, in the default tenant.
    Matcher csrf = CSRF.matcher(users.body());
    assertThat(csrf.find()).isTrue();
    HttpResponse<String> created =
        server.sendRaw(
            "POST",
            "/console/clients",
            "csrf=" + csrf.group(1) + "&name=made-by-alice&scope=scim%3Aread",
            "Content-Type",
            "application/x-www-form-urlencoded",
            "Cookie",
            cookie);
    assertThat(created.statusCode()).as(created.body()).isLessThan(400);
    assertThat(server.send("GET", "/admin/v1/clients", null).body()).contains("made-by-alice");

    // The cookie is no credential for the API.
    assertThat(server.sendRaw("GET", "/scim/v2/Users", null, "Cookie", cookie).statusCode())
        .isEqualTo(401);
  }

  @Test
  void anAdminByGroup_signsIn_namedByTheSubject_whenTheProviderGivesNoEmail() {
    Started started = begin();
    String back = authorize(started.authorize());
    nextPerson("bob-sub", Map.of("groups", List.of("staff", ADMIN_GROUP)), CLIENT_ID);
    HttpResponse<String> signedIn = callback(back, started.stateCookie());
    assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(200);
    assertThat(signedIn.body()).contains("Signed in as bob-sub");
  }

  @Test
  void someoneWhoIsNoAdmin_isRefused_403_withoutASession() {
    Started started = begin();
    String back = authorize(started.authorize());
    nextPerson(
        "mallory-sub",
        Map.of("email", "mallory@example.com", "email_verified", true, "groups", List.of("staff")),
        CLIENT_ID);
    HttpResponse<String> r = callback(back, started.stateCookie());
    assertNoSession(r, 403, "mallory@example.com is not among the administrators");
    // The page is for whoever signs in: the group that would make them an admin stays unnamed.
    assertThat(r.body()).doesNotContain(ADMIN_GROUP);

    // An admin's address counts only when the provider says it verified it: not when it says
    // false, in JSON or as a string, nor when it says nothing.
    List<Map<String, Object>> unverified =
        List.of(
            Map.of("email", ADMIN_EMAIL, "email_verified", false),
            Map.of("email", ADMIN_EMAIL, "email_verified", "false"),
            Map.of("email", ADMIN_EMAIL));
    for (Map<String, Object> claims : unverified) {
      Started again = begin();
      String back2 = authorize(again.authorize());
      nextPerson("eve-sub", claims, CLIENT_ID);
      assertNoSession(
          callback(back2, again.stateCookie()), 403, "eve-sub is not among the administrators");
    }

    // Case is ignored in ASCII only: a Kelvin sign (U+212A) is no k, though equalsIgnoreCase
    // would say it is.
    try (TestServer s =
        serverFor(idp.issuerUrl("default").toString(), List.of("kim@example.com"))) {
      Started kelvin = begin(s);
      String backK = authorize(kelvin.authorize());
      nextPerson(
          "kelvin-sub", Map.of("email", "\u212Aim@example.com", "email_verified", true), CLIENT_ID);
      assertNoSession(callback(s, backK, kelvin.stateCookie()), 403, "is not among the");
      Started kim = begin(s);
      String backKim = authorize(kim.authorize());
      nextPerson("kim-sub", Map.of("email", "KIM@Example.com", "email_verified", true), CLIENT_ID);
      assertThat(callback(s, backKim, kim.stateCookie()).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void theProvidersError_isRefused_403() {
    Started started = begin();
    HttpResponse<String> r =
        callback(
            "/console/oidc/callback?error=access_denied&state=" + started.stateCookie(),
            started.stateCookie());
    assertNoSession(r, 403, "access_denied");
    // The state was used up by the refusal.
    assertNoSession(
        callback(
            "/console/oidc/callback?code=x&state=" + started.stateCookie(), started.stateCookie()),
        400,
        "unknown, already used or expired");
  }

  @Test
  void aReplayedCallback_andAnUnknownState_areRefused_400() {
    Started started = begin();
    String back = authorize(started.authorize());
    nextPerson("alice-sub", Map.of("email", ADMIN_EMAIL, "email_verified", "true"), CLIENT_ID);
    assertThat(callback(back, started.stateCookie()).statusCode()).isEqualTo(200);
    assertNoSession(callback(back, started.stateCookie()), 400, "already used");

    assertNoSession(
        callback("/console/oidc/callback?code=abc&state=made-up", "made-up"), 400, "unknown");
    assertNoSession(callback("/console/oidc/callback?code=abc", "x"), 400, "unknown");
  }

  @Test
  void aCallbackWithoutTheBrowsersStateCookie_isRefused_400() {
    Started started = begin();
    String back = authorize(started.authorize());
    // Someone else's browser (no cookie, or the cookie of its own sign-in) follows the link.
    Started other = begin();
    assertNoSession(callback(back, other.stateCookie()), 400, "not started in this browser");
    Started third = begin();
    String back3 = authorize(third.authorize());
    assertNoSession(server.sendRaw("GET", back3, null), 400, "not started in this browser");
  }

  @Test
  void anIdTokenWithAnotherNonce_isRefused_403() {
    Started started = begin();
    // The provider is asked for the code with a nonce other than the one scimd kept.
    String tampered =
        started.authorize().toString().replaceFirst("([?&]nonce=)[^&]+", "$1someone-elses-nonce");
    assertThat(tampered).isNotEqualTo(started.authorize().toString());
    String back = authorize(URI.create(tampered));
    nextPerson("alice-sub", Map.of("email", ADMIN_EMAIL), CLIENT_ID);
    assertNoSession(callback(back, started.stateCookie()), 403, "did not check out");
  }

  @Test
  void anIdTokenForAnotherAudience_isRefused_403() {
    Started started = begin();
    String back = authorize(started.authorize());
    nextPerson("alice-sub", Map.of("email", ADMIN_EMAIL), "another-application");
    assertNoSession(callback(back, started.stateCookie()), 403, "did not check out");
  }

  @Test
  void aCodeTheProviderRefuses_isRefused_403() {
    Started started = begin();
    String back = authorize(started.authorize());
    String forged = back.replaceFirst("([?&]code=)[^&]+", "$1not-a-code");
    assertThat(query(URI.create(forged)).get("state")).as(back).isEqualTo(started.stateCookie());
    assertNoSession(callback(forged, started.stateCookie()), 403, "did not accept the sign-in");
  }

  @Test
  void withoutOidcSettings_itsPathsAre404_andTheSignInPageHasNoButton() {
    try (TestServer plain = TestServer.start()) {
      assertThat(plain.sendRaw("GET", "/console/oidc/start", null).statusCode()).isEqualTo(404);
      assertThat(plain.sendRaw("GET", "/console/oidc/callback?code=a&state=b", null).statusCode())
          .isEqualTo(404);
      assertThat(plain.sendRaw("GET", "/console/signin", null).body())
          .doesNotContain("/console/oidc/start");
    }
  }

  @Test
  void oneAddress_cannotStartMoreThan20SignIns_soItCannotEvictOthers() {
    // A server of its own: the shared one's address has sign-ins of other tests waiting.
    try (TestServer s = serverFor(idp.issuerUrl("default").toString(), List.of(ADMIN_EMAIL))) {
      Started first = begin(s);
      for (int i = 1; i < OidcSignIn.MAX_PENDING_PER_ADDRESS; i++) {
        begin(s);
      }
      HttpResponse<String> refused = s.sendRaw("GET", "/console/oidc/start", null);
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
      assertThat(refused.body()).contains("Too many sign-ins").doesNotContain("Exception");
      assertThat(refused.headers().firstValue("Retry-After")).isPresent();
      assertThat(refused.headers().allValues("Set-Cookie"))
          .noneMatch(c -> c.startsWith(Console.OIDC_COOKIE + "="));

      // The sign-ins already started are untouched, and finishing one frees a place.
      String back = authorize(first.authorize());
      nextPerson("alice-sub", Map.of("email", ADMIN_EMAIL, "email_verified", true), CLIENT_ID);
      HttpResponse<String> signedIn = callback(s, back, first.stateCookie());
      assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(200);
      begin(s);
    }
  }

  @Test
  void aProviderThatNeverAnswers_isAskedOnce_whileDiscoveryRunsAndForAPauseAfter()
      throws Exception {
    // It accepts connections and never answers: each discovery waits out the read timeout.
    try (java.net.ServerSocket silent = new java.net.ServerSocket(0)) {
      java.util.concurrent.atomic.AtomicInteger accepted =
          new java.util.concurrent.atomic.AtomicInteger();
      List<java.net.Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
      Thread acceptor =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      while (true) {
                        held.add(silent.accept());
                        accepted.incrementAndGet();
                      }
                    } catch (IOException closed) {
                      // the test is over
                    }
                  });
      String issuer = "http://127.0.0.1:" + silent.getLocalPort() + "/default";
      try (TestServer s =
          TestServer.start(
              TestServer.config()
                  .withConsoleOidc(
                      new ConsoleOidc(
                          issuer, CLIENT_ID, null, List.of(ADMIN_EMAIL), null, null)))) {
        java.util.concurrent.CompletableFuture<HttpResponse<String>> waiting =
            java.util.concurrent.CompletableFuture.supplyAsync(
                () -> s.sendRaw("GET", "/console/oidc/start", null));
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (accepted.get() == 0 && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        assertThat(accepted.get()).as("discovery reached the provider").isEqualTo(1);
        // While that discovery waits, the others are told at once, without asking again.
        for (int i = 0; i < 3; i++) {
          HttpResponse<String> r = s.sendRaw("GET", "/console/oidc/start", null);
          assertThat(r.statusCode()).isEqualTo(502);
          assertThat(r.body()).contains("could not be reached").doesNotContain("Exception");
        }
        assertThat(waiting.isDone()).as("the first start still waits on the provider").isFalse();
        assertThat(waiting.get(30, java.util.concurrent.TimeUnit.SECONDS).statusCode())
            .isEqualTo(502);
        // After it failed, discovery pauses: no new connection for the next starts.
        for (int i = 0; i < 3; i++) {
          assertThat(s.sendRaw("GET", "/console/oidc/start", null).statusCode()).isEqualTo(502);
        }
        assertThat(accepted.get()).isEqualTo(1);
      } finally {
        silent.close();
        acceptor.join(5_000);
        for (java.net.Socket socket : held) {
          socket.close();
        }
      }
    }
  }

  @Test
  void anUnreachableProvider_isA502Page_notA500() {
    // Nothing listens on the port of a provider that was stopped.
    MockOAuth2Server gone = new MockOAuth2Server();
    gone.start();
    String issuer = gone.issuerUrl("default").toString();
    gone.shutdown();
    try (TestServer s =
        TestServer.start(
            TestServer.config()
                .withConsoleOidc(
                    new ConsoleOidc(issuer, CLIENT_ID, null, List.of(ADMIN_EMAIL), null, null)))) {
      HttpResponse<String> r = s.sendRaw("GET", "/console/oidc/start", null);
      assertThat(r.statusCode()).isEqualTo(502);
      assertThat(r.body()).contains("could not be reached").doesNotContain("Exception");
    }
  }

  @Test
  void signingKeysThatCannotBeFetched_duringTheCallback_areA502Page_notA403() throws Exception {
    // The provider's own discovery document, but its keys are at an address where nothing
    // listens: the code is exchanged, then the ID token's keys cannot be fetched.
    int dead;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      dead = s.getLocalPort();
    }
    com.sun.net.httpserver.HttpServer discovery =
        com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    String issuer = "http://127.0.0.1:" + discovery.getAddress().getPort() + "/default";
    com.fasterxml.jackson.databind.node.ObjectNode document =
        (com.fasterxml.jackson.databind.node.ObjectNode)
            new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(get(idp.wellKnownUrl("default").uri()).body());
    document.put("issuer", issuer);
    document.put("jwks_uri", "http://127.0.0.1:" + dead + "/default/jwks");
    byte[] body = document.toString().getBytes(StandardCharsets.UTF_8);
    discovery.createContext(
        "/default/.well-known/openid-configuration",
        ex -> {
          ex.getResponseHeaders().add("Content-Type", "application/json");
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    discovery.start();
    try (TestServer s = serverFor(issuer, List.of(ADMIN_EMAIL))) {
      Started started = begin(s);
      String back = authorize(started.authorize());
      nextPerson("alice-sub", Map.of("email", ADMIN_EMAIL, "email_verified", true), CLIENT_ID);
      HttpResponse<String> r = callback(s, back, started.stateCookie());
      assertNoSession(r, 502, "could not be reached");
    } finally {
      discovery.stop(0);
    }
  }

  @Test
  void controlCharactersInThePersonsClaims_areStrippedFromTheLogLines() {
    ch.qos.logback.classic.Logger log =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Console.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> lines =
        new ch.qos.logback.core.read.ListAppender<>();
    // The test class path's logback-test.xml logs warnings only; sign-ins are logged at INFO.
    ch.qos.logback.classic.Level level = log.getLevel();
    log.setLevel(ch.qos.logback.classic.Level.INFO);
    lines.start();
    log.addAppender(lines);
    try {
      // Refused: no admin, whose subject would forge a line of its own.
      Started refused = begin();
      String back = authorize(refused.authorize());
      nextPerson(
          "mallory\nWARN console: forged\u001b[31m",
          Map.of("email", "mallory\u001b@example.com", "email_verified", true),
          CLIENT_ID);
      assertThat(callback(back, refused.stateCookie()).statusCode()).isEqualTo(403);
      // Signed in: an admin by group, named by such a subject.
      Started admin = begin();
      String back2 = authorize(admin.authorize());
      nextPerson(
          "bob\r\nINFO forged\u0085\u2028sub", Map.of("groups", List.of(ADMIN_GROUP)), CLIENT_ID);
      assertThat(callback(back2, admin.stateCookie()).statusCode()).isEqualTo(200);
    } finally {
      log.detachAppender(lines);
      log.setLevel(level);
    }
    List<String> messages;
    synchronized (lines) {
      messages = lines.list.stream().map(e -> e.getFormattedMessage()).toList();
    }
    assertThat(messages)
        .anyMatch(m -> m.contains("not an administrator: sub malloryWARN console: forged[31m,"))
        .anyMatch(m -> m.contains("bobINFO forgedsub (subject bobINFO forgedsub)"))
        .allSatisfy(
            m ->
                assertThat(m.codePoints())
                    .as(m)
                    .noneMatch(c -> Character.isISOControl(c) || c == 0x2028));
  }

  private static void assertNoSession(HttpResponse<String> r, int status, String says) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.body()).contains(says).doesNotContain("Exception").doesNotContain(" at io.");
    assertThat(r.headers().allValues("Set-Cookie"))
        .noneMatch(c -> c.startsWith(Console.SESSION_COOKIE + "="));
  }

  private static HttpResponse<String> get(URI uri) {
    try {
      return BROWSER.send(
          HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, String> query(URI uri) {
    Map<String, String> out = new HashMap<>();
    for (String pair : uri.getRawQuery().split("&")) {
      int eq = pair.indexOf('=');
      out.put(
          URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
          URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return out;
  }

  private static String setCookie(HttpResponse<String> r, String name) {
    return r.headers().allValues("Set-Cookie").stream()
        .filter(c -> c.startsWith(name + "=") && !c.startsWith(name + "=;"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no Set-Cookie " + name + " in " + r.headers()));
  }

  private static String cookieValue(String setCookie, String name) {
    int semi = setCookie.indexOf(';');
    return setCookie.substring(name.length() + 1, semi < 0 ? setCookie.length() : semi);
  }
}
