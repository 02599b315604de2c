package io.scimd.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.scimd.server.http.TestServer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console's agents (with their owners and the roles they hold) and access (applications, roles,
 * who holds each) against a started scimd, over HTTP and in headless Chromium with the keyboard
 * (screenshots under target/console-screenshots/).
 */
class ConsoleAccessTest {
  private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");
  private static final String FORM = "application/x-www-form-urlencoded";

  static final String CI =
      """
      {"name": "ci", "description": "builds and deploys",
       "roles": [{"name": "viewer", "permissions": ["read"]},
                 {"name": "developer", "permissions": ["build"], "includes": ["viewer"]}],
       "rules": [{"name": "engineers", "groups": ["engineering"], "roles": ["developer"]}]}
      """;

  private static TestServer server;
  private static String alice;
  private static String bot;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    TestServer.Client scim = server.scim();
    alice = scim.createUser("alice");
    scim.createUser("carol");
    String engineering = scim.createGroup("engineering");
    scim.patchOk(
        "/Groups/" + engineering,
        "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"" + alice + "\"}]}");
    HttpResponse<String> app =
        server.send("POST", "/admin/v1/applications", CI, "Content-Type", "application/json");
    assertThat(app.statusCode()).as(app.body()).isEqualTo(201);
    bot =
        TestServer.json(
                scim.post(
                    "/Agents",
                    "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:Agent\"],"
                        + "\"agentUserName\":\"deploy-bot\",\"active\":true,"
                        + "\"owners\":[{\"value\":\""
                        + alice
                        + "\"}],\"roles\":[{\"value\":\"viewer\",\"type\":\"ci\"}]}"))
            .path("id")
            .asText();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void agentsAndAccess_answerPages_and404ForWhatIsNotThere() {
    String cookie = signIn();
    HttpResponse<String> agents = get("/console/agents", cookie);
    assertThat(agents.statusCode()).isEqualTo(200);
    assertThat(agents.body()).contains("deploy-bot").contains("1 agent match.");
    HttpResponse<String> agent = get("/console/agents/" + bot, cookie);
    assertThat(agent.statusCode()).isEqualTo(200);
    assertThat(agent.body())
        .contains("href=\"/console/users/" + alice + "\"")
        .contains("href=\"/console/access/ci\"")
        .contains("rule agent-grant");
    HttpResponse<String> access = get("/console/access", cookie);
    assertThat(access.statusCode()).isEqualTo(200);
    assertThat(access.body())
        .contains("href=\"/console/access/ci\"")
        .contains("builds and deploys");
    HttpResponse<String> ci = get("/console/access/ci", cookie);
    assertThat(ci.statusCode()).isEqualTo(200);
    assertThat(ci.body())
        .contains("href=\"/console/users/" + alice + "\"")
        .contains("rule engineers, group engineering (direct)");
    assertThat(get("/console/agents/nope", cookie).statusCode()).isEqualTo(404);
    assertThat(get("/console/access/nope", cookie).statusCode()).isEqualTo(404);
    HttpResponse<String> bad =
        get("/console/agents?filter=" + TestServer.q("agentUserName eq"), cookie);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("id=\"filter-error\"").doesNotContain("Exception");
    assertThat(server.sendRaw("GET", "/console/access", null).statusCode())
        .as("no access page without a session")
        .isEqualTo(303);
  }

  @Test
  void inTheBrowser_anAgentsOwnersAndRoles_andWhoHoldsEachRole() {
    try (Browser browser = Browser.open()) {
      WebDriver driver = browser.driver;
      WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(30));
      driver.get(server.url("/console/signin"));
      wait.until(ExpectedConditions.urlContains("/console/signin"));
      driver.switchTo().activeElement().sendKeys(TestServer.TOKEN, Keys.ENTER);
      wait.until(ExpectedConditions.urlContains("/console/users"));

      driver.findElement(By.linkText("Agents")).sendKeys(Keys.ENTER);
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "Agents"));
      browser.screenshot("30-agents");
      driver.findElement(By.linkText("deploy-bot")).sendKeys(Keys.ENTER);
      wait.until(
          ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "deploy-bot"));
      assertThat(driver.findElement(By.className("owners")).getText()).contains("alice");
      assertThat(driver.findElement(By.cssSelector("table.grants")).getText())
          .contains("ci")
          .contains("viewer");
      browser.screenshot("31-agent");

      driver.findElement(By.linkText("Access")).sendKeys(Keys.ENTER);
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "Access"));
      browser.screenshot("32-access");
      driver.findElement(By.linkText("ci")).sendKeys(Keys.ENTER);
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "ci"));
      String developers = driver.findElement(By.id("role-developer")).getText();
      assertThat(developers).isEqualTo("developer");
      assertThat(driver.findElement(By.tagName("main")).getText())
          .contains("alice")
          .contains("rule engineers");
      browser.screenshot("33-application");
      driver.findElement(By.linkText("alice")).sendKeys(Keys.ENTER);
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "alice"));
    }
  }

  private static HttpResponse<String> get(String path, String cookie) {
    return server.sendRaw("GET", path, null, "Cookie", cookie);
  }

  private static String signIn() {
    HttpResponse<String> page = server.sendRaw("GET", "/console/signin", null);
    Matcher m = CSRF.matcher(page.body());
    assertThat(m.find()).isTrue();
    HttpResponse<String> signedIn =
        server.sendRaw(
            "POST",
            "/console/signin",
            "csrf=" + m.group(1) + "&token=" + TestServer.q(TestServer.TOKEN),
            "Content-Type",
            FORM,
            "Cookie",
            Console.SIGNIN_COOKIE + "=" + cookieNamed(page, Console.SIGNIN_COOKIE));
    assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(303);
    return Console.SESSION_COOKIE + "=" + cookieNamed(signedIn, Console.SESSION_COOKIE);
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
