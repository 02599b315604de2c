package io.scimd.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console's targets against a started scimd with two real targets: a webhook whose receiver (a
 * real HTTP server on 127.0.0.1) refuses every change, so they are dead-lettered, and a scim target
 * (a second scimd) that is paused, so a reconcile dry run finds what it misses. Over HTTP request
 * by request, and in headless Chromium with the keyboard (screenshots under
 * target/console-screenshots/).
 */
class ConsoleTargetsTest {
  private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");
  private static final String FORM = "application/x-www-form-urlencoded";

  private static TestServer server;
  private static TestServer downstream;
  private static HttpServer refusing;
  private static volatile int refusingStatus = 400;
  private static String refused;

  @BeforeAll
  static void start() throws IOException {
    ServerConfig c = TestServer.config();
    server =
        TestServer.start(
            c.withHub(
                c.hub()
                    .withDelivery(
                        true,
                        c.hub()
                            .delivery()
                            .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1))
                            .withMaxAttempts(2))));
    downstream = TestServer.start();
    refusing = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    refusing.createContext(
        "/hook",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          exchange.sendResponseHeaders(refusingStatus, -1);
          exchange.close();
        });
    refusing.start();
    admin(
        "POST",
        "/admin/v1/targets",
        "{\"name\":\"hook\",\"type\":\"webhook\",\"url\":\"http://127.0.0.1:"
            + refusing.getAddress().getPort()
            + "/hook\"}",
        201);
    admin(
        "POST",
        "/admin/v1/targets",
        "{\"name\":\"mirror\",\"type\":\"scim\",\"url\":\""
            + downstream.url(TestServer.SCIM)
            + "\",\"auth\":{\"bearer\":\""
            + TestServer.TOKEN
            + "\"}}",
        201);
    admin("POST", "/admin/v1/targets/mirror/pause", "{\"reason\":\"maintenance window\"}", 200);
    refused = server.scim().createUser("refused-ada");
    await(
        () -> deadLetters().size() == 1,
        "the webhook's refusal is dead-lettered: " + deadLetters());
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    if (downstream != null) {
      downstream.close();
    }
    if (refusing != null) {
      refusing.stop(0);
    }
  }

  @Test
  void targets_listTheirStateBacklogAndFailures() {
    Session s = signIn();
    HttpResponse<String> r = get("/console/targets", s);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body())
        .contains("href=\"/console/targets/hook\"")
        .contains("href=\"/console/targets/mirror\"")
        .contains("maintenance window")
        .contains(">paused<")
        .contains("400");
    HttpResponse<String> hook = get("/console/targets/hook", s);
    assertThat(hook.statusCode()).isEqualTo(200);
    assertThat(hook.body())
        .contains("User " + refused)
        .contains("aria-label=\"Replay the dead letter ")
        .doesNotContain("Dry run"); // a webhook is not reconciled
    assertThat(get("/console/targets/nope", s).statusCode()).isEqualTo(404);
    assertThat(server.sendRaw("GET", "/console/targets", null).statusCode())
        .as("no targets without a session")
        .isEqualTo(303);
  }

  @Test
  void replay_needsTheCsrfToken_andRefusesBadInput_changingNothing() {
    Session s = signIn();
    long seq = deadLetters().get(0).path("seq").asLong();
    HttpResponse<String> forged = post("/console/targets/hook/replay", "seq=" + seq, s.cookie());
    assertThat(forged.statusCode()).isEqualTo(403);
    for (String bad : List.of("seq=abc", "seq=-3", "seq=0")) {
      HttpResponse<String> r =
          post("/console/targets/hook/replay", "csrf=" + s.csrf() + "&" + bad, s.cookie());
      assertThat(r.statusCode()).as(bad).isEqualTo(400);
      assertThat(r.body()).contains("id=\"target-error\"").doesNotContain("Exception");
    }
    HttpResponse<String> missing =
        post("/console/targets/hook/replay", "csrf=" + s.csrf() + "&seq=999999", s.cookie());
    assertThat(missing.statusCode()).isEqualTo(404);
    HttpResponse<String> noTarget =
        post("/console/targets/nope/replay", "csrf=" + s.csrf(), s.cookie());
    assertThat(noTarget.statusCode()).isEqualTo(404);
    assertThat(deadLetters().get(0).path("replayed").isNull())
        .as("no refused request replayed the letter")
        .isTrue();
    HttpResponse<String> webhook =
        post("/console/targets/hook/reconcile", "csrf=" + s.csrf(), s.cookie());
    assertThat(webhook.statusCode()).isEqualTo(409);
    assertThat(webhook.body()).contains("only scim targets are reconciled");
  }

  @Test
  void inTheBrowser_aDryRunShowsWhatWouldChange_andReplaySendsADeadLetterAgain() {
    try (Browser browser = Browser.open()) {
      WebDriver driver = browser.driver;
      WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(30));
      driver.get(server.url("/console/signin"));
      wait.until(ExpectedConditions.urlContains("/console/signin"));
      driver.switchTo().activeElement().sendKeys(TestServer.TOKEN, Keys.ENTER);
      wait.until(ExpectedConditions.urlContains("/console/users"));

      driver.findElement(By.linkText("Targets")).sendKeys(Keys.ENTER);
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "Targets"));
      assertThat(rows(driver)).hasSize(2);
      assertThat(driver.findElement(By.cssSelector("main table")).getText())
          .contains("maintenance window")
          .contains("paused");
      browser.screenshot("20-targets");

      // The paused scim target: a dry run lists the user it misses, and creates nothing there.
      driver.findElement(By.linkText("mirror")).sendKeys(Keys.ENTER);
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "mirror"));
      driver.findElement(By.xpath("//button[text()='Dry run']")).sendKeys(Keys.ENTER);
      wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("reconcile-summary")));
      assertThat(driver.findElement(By.id("reconcile-summary")).getText())
          .contains("nothing changed")
          .containsPattern("[1-9][0-9]* to create");
      String findings = driver.findElement(By.cssSelector("table.findings")).getText();
      assertThat(findings).contains("create").contains(refused);
      browser.screenshot("21-target-dry-run");
      assertThat(downstream.send("GET", TestServer.SCIM + "/Users", null).body())
          .as("a dry run changes nothing on the target")
          .doesNotContain("refused-ada");

      // The webhook: its dead letter, replayed once the receiver takes changes again.
      refusingStatus = 200;
      driver.findElement(By.linkText("All targets")).sendKeys(Keys.ENTER);
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "Targets"));
      driver.findElement(By.linkText("hook")).sendKeys(Keys.ENTER);
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "hook"));
      assertThat(driver.findElement(By.cssSelector("table.letters")).getText())
          .contains("User " + refused);
      browser.screenshot("22-target-dead-letters");
      driver.findElement(By.xpath("//button[text()='Replay']")).sendKeys(Keys.ENTER);
      wait.until(
          ExpectedConditions.textToBePresentInElementLocated(
              By.className("notice"), "1 dead letter will be delivered again."));
      browser.screenshot("23-target-replayed");
      await(() -> deadLetters().isEmpty(), "the replayed letter is delivered: " + deadLetters());
    }
  }

  // ------------------------------------------------------------------ helpers

  record Session(String cookie, String csrf) {}

  private static Session signIn() {
    HttpResponse<String> page = server.sendRaw("GET", "/console/signin", null);
    String signinCookie = cookieNamed(page, Console.SIGNIN_COOKIE);
    HttpResponse<String> signedIn =
        server.sendRaw(
            "POST",
            "/console/signin",
            "csrf=" + csrf(page) + "&token=" + TestServer.q(TestServer.TOKEN),
            "Content-Type",
            FORM,
            "Cookie",
            Console.SIGNIN_COOKIE + "=" + signinCookie);
    assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(303);
    String cookie = Console.SESSION_COOKIE + "=" + cookieNamed(signedIn, Console.SESSION_COOKIE);
    return new Session(cookie, csrf(get("/console/users", new Session(cookie, ""))));
  }

  private static HttpResponse<String> get(String path, Session s) {
    return server.sendRaw("GET", path, null, "Cookie", s.cookie());
  }

  private static HttpResponse<String> post(String path, String body, String cookie) {
    return server.sendRaw("POST", path, body, "Content-Type", FORM, "Cookie", cookie);
  }

  private static void admin(String method, String path, String body, int status) {
    HttpResponse<String> r = server.send(method, path, body, "Content-Type", "application/json");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
  }

  private static List<JsonNode> deadLetters() {
    HttpResponse<String> r = server.send("GET", "/admin/v1/targets/hook/dead-letters", null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    List<JsonNode> out = new java.util.ArrayList<>();
    TestServer.json(r)
        .path("deadLetters")
        .forEach(
            d -> {
              if (d.path("replayed").isNull() || !d.has("replayed")) {
                out.add(d);
              }
            });
    return out;
  }

  private static void await(BooleanSupplier condition, String what) {
    Instant until = Instant.now().plus(Duration.ofSeconds(60));
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(until)) {
        throw new AssertionError("not within 60 s: " + what);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  private static List<WebElement> rows(WebDriver driver) {
    return driver.findElements(By.cssSelector("main table tbody tr"));
  }

  private static String csrf(HttpResponse<String> page) {
    Matcher m = CSRF.matcher(page.body());
    assertThat(m.find()).as(page.body()).isTrue();
    return m.group(1);
  }

  private static String cookieNamed(HttpResponse<String> r, String name) {
    String c =
        r.headers().allValues("Set-Cookie").stream()
            .filter(v -> v.startsWith(name + "="))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no Set-Cookie " + name));
    int semi = c.indexOf(';');
    return c.substring(name.length() + 1, semi < 0 ? c.length() : semi);
  }
}
