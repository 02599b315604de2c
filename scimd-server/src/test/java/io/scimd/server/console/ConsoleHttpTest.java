package io.scimd.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.scimd.server.http.TestServer;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console's HTTP contract, request by request against a started scimd: what needs a session,
 * the cookies' attributes, CSRF on every POST, bad input answered with a page and no stack trace.
 */
class ConsoleHttpTest {
  private static TestServer server;
  private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");
  private static final String FORM = "application/x-www-form-urlencoded";

  @BeforeAll
  static void start() {
    server = TestServer.start();
    server.send("POST", TestServer.SCIM + "/Users", TestServer.user("bjensen"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** A signed-in session: its cookie header and its CSRF token. */
  record Session(String cookie, String csrf) {}

  private static Session signIn(String token) {
    return signIn(server, token);
  }

  private static Session signIn(TestServer server, String token) {
    HttpResponse<String> page = server.sendRaw("GET", "/console/signin", null);
    String signinCookie = cookieNamed(page, Console.SIGNIN_COOKIE);
    HttpResponse<String> signedIn =
        server.sendRaw(
            "POST",
            "/console/signin",
            "csrf=" + csrf(page) + "&token=" + TestServer.q(token),
            "Content-Type",
            FORM,
            "Cookie",
            Console.SIGNIN_COOKIE + "=" + signinCookie);
    assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(303);
    String cookie = Console.SESSION_COOKIE + "=" + cookieNamed(signedIn, Console.SESSION_COOKIE);
    HttpResponse<String> users = server.sendRaw("GET", "/console/users", null, "Cookie", cookie);
    return new Session(cookie, csrf(users));
  }

  @Test
  void pages_redirectToSignIn_withoutASession() {
    for (String path : List.of("/console", "/console/", "/console/users", "/console/groups/x")) {
      HttpResponse<String> r = server.sendRaw("GET", path, null);
      assertThat(r.statusCode()).as(path).isEqualTo(303);
      assertThat(r.headers().firstValue("Location")).contains("/console/signin");
    }
    HttpResponse<String> forged =
        server.sendRaw(
            "GET", "/console/users", null, "Cookie", Console.SESSION_COOKIE + "=made-up");
    assertThat(forged.statusCode()).isEqualTo(303);
  }

  @Test
  void signIn_setsAnHttpOnlyStrictSessionCookie_andTheApiStillNeedsItsToken() {
    HttpResponse<String> page = server.sendRaw("GET", "/console/signin", null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("<label for=\"token\">");
    assertThat(setCookie(page, Console.SIGNIN_COOKIE))
        .contains("HttpOnly")
        .contains("SameSite=Strict")
        .doesNotContain("Secure");
    HttpResponse<String> signedIn =
        server.sendRaw(
            "POST",
            "/console/signin",
            "csrf=" + csrf(page) + "&token=" + TestServer.q(TestServer.TOKEN),
            "Content-Type",
            FORM,
            "Cookie",
            Console.SIGNIN_COOKIE + "=" + cookieNamed(page, Console.SIGNIN_COOKIE));
    assertThat(signedIn.statusCode()).isEqualTo(303);
    assertThat(signedIn.headers().firstValue("Location")).contains("/console/users");
    String set = setCookie(signedIn, Console.SESSION_COOKIE);
    assertThat(set).contains("HttpOnly").contains("SameSite=Strict").contains("Path=/console");
    assertThat(set).doesNotContain(TestServer.TOKEN);

    // The console's cookie is no credential for the API.
    String cookie = Console.SESSION_COOKIE + "=" + cookieNamed(signedIn, Console.SESSION_COOKIE);
    assertThat(server.sendRaw("GET", "/scim/v2/Users", null, "Cookie", cookie).statusCode())
        .isEqualTo(401);
  }

  @Test
  void signIn_refusesWithoutTheFormsCsrfToken_andStartsNoSession() {
    HttpResponse<String> r =
        server.sendRaw(
            "POST",
            "/console/signin",
            "token=" + TestServer.q(TestServer.TOKEN),
            "Content-Type",
            FORM);
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.body()).contains("expired");
    assertThat(r.headers().allValues("Set-Cookie"))
        .noneMatch(c -> c.startsWith(Console.SESSION_COOKIE + "="));
  }

  @Test
  void signIn_refusesAWrongToken_andATokenWithoutTheAdminScope() {
    HttpResponse<String> client =
        server.send(
            "POST", "/admin/v1/clients", "{\"name\":\"reader\",\"scopes\":[\"scim:read\"]}");
    assertThat(client.statusCode()).as(client.body()).isEqualTo(201);
    String reader =
        TestServer.json(
                server.send(
                    "POST",
                    "/admin/v1/clients/" + TestServer.json(client).get("id").asText() + "/tokens",
                    "{}"))
            .get("token")
            .asText();
    for (String token : List.of("not-a-token", reader, "")) {
      HttpResponse<String> page = server.sendRaw("GET", "/console/signin", null);
      HttpResponse<String> r =
          server.sendRaw(
              "POST",
              "/console/signin",
              "csrf=" + csrf(page) + "&token=" + TestServer.q(token),
              "Content-Type",
              FORM,
              "Cookie",
              Console.SIGNIN_COOKIE + "=" + cookieNamed(page, Console.SIGNIN_COOKIE));
      assertThat(r.statusCode()).as(token).isEqualTo(401);
      assertThat(r.body()).contains("does not have the admin scope");
      assertThat(r.headers().allValues("Set-Cookie"))
          .noneMatch(c -> c.startsWith(Console.SESSION_COOKIE + "="));
    }
  }

  /**
   * A session lives no longer than the token it signed in with: once the API refuses the token (its
   * client deleted, so its credentials revoked), the console does too.
   */
  @Test
  void aSession_endsWhenItsTokenIsRevoked() {
    HttpResponse<String> client =
        server.send("POST", "/admin/v1/clients", "{\"name\":\"ops\",\"scopes\":[\"admin\"]}");
    assertThat(client.statusCode()).as(client.body()).isEqualTo(201);
    String id = TestServer.json(client).get("id").asText();
    String token =
        TestServer.json(server.send("POST", "/admin/v1/clients/" + id + "/tokens", "{}"))
            .get("token")
            .asText();
    Session s = signIn(token);
    assertThat(server.sendRaw("GET", "/console/users", null, "Cookie", s.cookie()).statusCode())
        .isEqualTo(200);
    assertThat(server.send("DELETE", "/admin/v1/clients/" + id, null).statusCode()).isEqualTo(204);
    HttpResponse<String> after =
        server.sendRaw("GET", "/console/users", null, "Cookie", s.cookie());
    assertThat(after.statusCode()).isEqualTo(303);
    assertThat(after.headers().firstValue("Location").orElseThrow()).endsWith("/console/signin");
    HttpResponse<String> post =
        server.sendRaw(
            "POST",
            "/console/clients",
            "csrf=" + s.csrf() + "&name=sneaky&scope=admin",
            "Content-Type",
            FORM,
            "Cookie",
            s.cookie());
    assertThat(post.statusCode()).isEqualTo(403);
    assertThat(server.send("GET", "/admin/v1/clients", null).body()).doesNotContain("sneaky");
  }

  @Test
  void pages_answerHtmlWithAContentSecurityPolicy() {
    Session s = signIn(TestServer.TOKEN);
    HttpResponse<String> r = server.sendRaw("GET", "/console/users", null, "Cookie", s.cookie());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).contains("text/html; charset=utf-8");
    assertThat(r.headers().firstValue("Content-Security-Policy"))
        .hasValueSatisfying(v -> assertThat(v).contains("default-src 'self'"));
    assertThat(r.body()).contains("bjensen").contains("1 user match.");
  }

  @Test
  void aBadFilter_answers400WithTheReason_andNoStackTrace() {
    Session s = signIn(TestServer.TOKEN);
    HttpResponse<String> r =
        server.sendRaw(
            "GET",
            "/console/users?filter=" + TestServer.q("userName eq"),
            null,
            "Cookie",
            s.cookie());
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body())
        .contains("id=\"filter-error\"")
        .doesNotContain("Exception")
        .doesNotContain("at io.scimd");
    HttpResponse<String> unknown =
        server.sendRaw(
            "GET",
            "/console/users?filter=" + TestServer.q("nosuch eq \"x\""),
            null,
            "Cookie",
            s.cookie());
    assertThat(unknown.statusCode()).isEqualTo(400);
  }

  @Test
  void anUnknownUserOrGroup_answers404() {
    Session s = signIn(TestServer.TOKEN);
    assertThat(
            server.sendRaw("GET", "/console/users/nope", null, "Cookie", s.cookie()).statusCode())
        .isEqualTo(404);
    assertThat(
            server.sendRaw("GET", "/console/groups/nope", null, "Cookie", s.cookie()).statusCode())
        .isEqualTo(404);
    assertThat(server.sendRaw("GET", "/console/nothing", null, "Cookie", s.cookie()).statusCode())
        .isEqualTo(404);
  }

  /**
   * A group's members page by keyset: each page the next 50 after the last one shown, the count
   * from the index, a link back to the first page; a page position that is not a number is a 400.
   */
  @Test
  void aGroupsMembers_pageAfterTheLastShown() {
    // A server of its own: its 120 users would change what the other tests count.
    try (TestServer server = TestServer.start()) {
      StringBuilder members = new StringBuilder();
      for (int i = 0; i < 120; i++) {
        String id =
            TestServer.json(
                    server.send(
                        "POST",
                        TestServer.SCIM + "/Users",
                        TestServer.user(String.format("m%03d", i))))
                .get("id")
                .asText();
        members.append(i == 0 ? "" : ",").append("{\"value\":\"").append(id).append("\"}");
      }
      String group =
          TestServer.json(
                  server.send(
                      "POST",
                      TestServer.SCIM + "/Groups",
                      "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:Group\"],"
                          + "\"displayName\":\"paged\",\"members\":["
                          + members
                          + "]}"))
              .get("id")
              .asText();
      Session s = signIn(server, TestServer.TOKEN);
      Pattern next = Pattern.compile("href=\"([^\"]+)\" rel=\"next\"");
      Pattern shown = Pattern.compile(">(m\\d{3})<");
      List<String> seen = new java.util.ArrayList<>();
      String path = "/console/groups/" + group;
      int pages = 0;
      while (path != null) {
        HttpResponse<String> page = server.sendRaw("GET", path, null, "Cookie", s.cookie());
        assertThat(page.statusCode()).as(path).isEqualTo(200);
        assertThat(page.body()).contains("<dd>120</dd>");
        assertThat(page.body().contains("rel=\"first\"")).as(path).isEqualTo(pages > 0);
        Matcher m = shown.matcher(page.body());
        int onPage = 0;
        while (m.find()) {
          seen.add(m.group(1));
          onPage++;
        }
        assertThat(onPage).as(path).isEqualTo(pages < 2 ? 50 : 20);
        Matcher n = next.matcher(page.body());
        path = n.find() ? n.group(1).replace("&amp;", "&") : null;
        pages++;
      }
      assertThat(pages).isEqualTo(3);
      List<String> expected = new java.util.ArrayList<>();
      for (int i = 0; i < 120; i++) {
        expected.add(String.format("m%03d", i));
      }
      assertThat(seen).isEqualTo(expected);
      HttpResponse<String> bad =
          server.sendRaw(
              "GET", "/console/groups/" + group + "?members=abc", null, "Cookie", s.cookie());
      assertThat(bad.statusCode()).isEqualTo(400);
      assertThat(bad.body()).contains("whole number").doesNotContain("Exception");
    }
  }

  @Test
  void signOut_needsTheSessionsCsrfToken() {
    Session s = signIn(TestServer.TOKEN);
    HttpResponse<String> forged =
        server.sendRaw(
            "POST", "/console/signout", "csrf=guess", "Content-Type", FORM, "Cookie", s.cookie());
    assertThat(forged.statusCode()).isEqualTo(403);
    assertThat(server.sendRaw("GET", "/console/users", null, "Cookie", s.cookie()).statusCode())
        .as("a refused POST changes nothing")
        .isEqualTo(200);
    HttpResponse<String> out =
        server.sendRaw(
            "POST",
            "/console/signout",
            "csrf=" + s.csrf(),
            "Content-Type",
            FORM,
            "Cookie",
            s.cookie());
    assertThat(out.statusCode()).isEqualTo(303);
    assertThat(server.sendRaw("GET", "/console/users", null, "Cookie", s.cookie()).statusCode())
        .isEqualTo(303);
  }

  @Test
  void creatingAClient_needsTheCsrfToken_andAValidName() {
    Session s = signIn(TestServer.TOKEN);
    HttpResponse<String> forged =
        server.sendRaw(
            "POST",
            "/console/clients",
            "name=forged&scope=admin",
            "Content-Type",
            FORM,
            "Cookie",
            s.cookie());
    assertThat(forged.statusCode()).isEqualTo(403);
    HttpResponse<String> empty =
        server.sendRaw(
            "POST",
            "/console/clients",
            "csrf=" + s.csrf() + "&name=%20",
            "Content-Type",
            FORM,
            "Cookie",
            s.cookie());
    assertThat(empty.statusCode()).isEqualTo(400);
    assertThat(empty.body()).contains("id=\"create-error\"").doesNotContain("Exception");
    HttpResponse<String> unknownScope =
        server.sendRaw(
            "POST",
            "/console/clients",
            "csrf=" + s.csrf() + "&name=odd&scope=root",
            "Content-Type",
            FORM,
            "Cookie",
            s.cookie());
    assertThat(unknownScope.statusCode()).isEqualTo(400);
    String clients = server.send("GET", "/admin/v1/clients", null).body();
    assertThat(clients).doesNotContain("forged").doesNotContain("\"odd\"");
    HttpResponse<String> revokeNothing =
        server.sendRaw(
            "POST",
            "/console/tokens/nope/revoke",
            "csrf=" + s.csrf(),
            "Content-Type",
            FORM,
            "Cookie",
            s.cookie());
    assertThat(revokeNothing.statusCode()).isEqualTo(404);
  }

  @Test
  void audit_refusesABadSearch_andExportsJsonLines() {
    Session s = signIn(TestServer.TOKEN);
    for (String bad :
        List.of(
            "resourceId=x",
            "resourceType=Nope",
            "since=yesterday",
            "since=%2B1000000000-01-01T00:00:00Z",
            "since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z")) {
      HttpResponse<String> r =
          server.sendRaw("GET", "/console/audit?" + bad, null, "Cookie", s.cookie());
      assertThat(r.statusCode()).as(bad).isEqualTo(400);
      assertThat(r.body()).contains("id=\"audit-error\"").doesNotContain("Exception");
    }
    HttpResponse<String> all = server.sendRaw("GET", "/console/audit", null, "Cookie", s.cookie());
    assertThat(all.statusCode()).isEqualTo(200);
    assertThat(all.body()).contains("bjensen");
    HttpResponse<String> export =
        server.sendRaw("GET", "/console/audit/export", null, "Cookie", s.cookie());
    assertThat(export.statusCode()).isEqualTo(200);
    assertThat(export.headers().firstValue("Content-Disposition"))
        .hasValueSatisfying(v -> assertThat(v).contains("attachment"));
    String first =
        export.body().lines().filter(l -> l.contains("bjensen")).findFirst().orElseThrow();
    assertThat(TestServer.json(first).path("resource_type").asText("User")).isNotEmpty();
    assertThat(
            server
                .sendRaw(
                    "GET",
                    "/console/audit/export?since=%2B1000000000-01-01T00:00:00Z",
                    null,
                    "Cookie",
                    s.cookie())
                .statusCode())
        .as("a time past the year 9999 is refused, not overflowed")
        .isEqualTo(400);
    assertThat(server.sendRaw("GET", "/console/audit/export", null).statusCode())
        .as("no export without a session")
        .isEqualTo(303);
  }

  @Test
  void assets_areServedByScimdItself() {
    HttpResponse<String> htmx = server.sendRaw("GET", "/console/assets/htmx.min.js", null);
    assertThat(htmx.statusCode()).isEqualTo(200);
    assertThat(htmx.body()).contains("htmx");
    HttpResponse<String> css = server.sendRaw("GET", "/console/assets/console.css", null);
    assertThat(css.statusCode()).isEqualTo(200);
    assertThat(css.headers().firstValue("Content-Type")).contains("text/css; charset=utf-8");
    assertThat(server.sendRaw("GET", "/console/assets/../../scim/v2/Users", null).statusCode())
        .isNotEqualTo(200);
  }

  private static String csrf(HttpResponse<String> page) {
    Matcher m = CSRF.matcher(page.body());
    assertThat(m.find()).as(page.body()).isTrue();
    return m.group(1);
  }

  private static String setCookie(HttpResponse<String> r, String name) {
    return r.headers().allValues("Set-Cookie").stream()
        .filter(c -> c.startsWith(name + "="))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no Set-Cookie " + name + " in " + r.headers()));
  }

  private static String cookieNamed(HttpResponse<String> r, String name) {
    String c = setCookie(r, name);
    int semi = c.indexOf(';');
    return c.substring(name.length() + 1, semi < 0 ? c.length() : semi);
  }
}
