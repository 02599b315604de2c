package io.scimd.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.scimd.server.http.TestServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console end to end in headless Chromium against a started scimd: sign in with the keyboard,
 * page through users, filter them, open a user with their groups and history, open a group with its
 * members, sign out. Every page is saved as a screenshot (target/console-screenshots/).
 */
class ConsoleBrowserTest {
  private static TestServer server;
  private static String alice;
  private static String engineering;

  @BeforeAll
  static void seed() {
    server = TestServer.start();
    for (int i = 0; i < 30; i++) {
      String name = String.format("user-%02d", i);
      String body =
          "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"userName\":\""
              + name
              + "\",\"displayName\":\"User "
              + i
              + "\",\"emails\":[{\"value\":\""
              + name
              + "@example.com\",\"primary\":true}]}";
      String id =
          TestServer.json(server.send("POST", TestServer.SCIM + "/Users", body))
              .path("id")
              .asText();
      if (i == 7) {
        alice = id;
      }
    }
    server.send(
        "PATCH",
        TestServer.SCIM + "/Users/" + alice,
        TestServer.patchBody(
            "{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"Alice Seven\"}"));
    engineering =
        TestServer.json(
                server.send(
                    "POST",
                    TestServer.SCIM + "/Groups",
                    "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:Group\"],"
                        + "\"displayName\":\"Engineering\",\"members\":[{\"value\":\""
                        + alice
                        + "\"}]}"))
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
  void walksThroughTheConsole_withTheKeyboard() {
    try (Browser browser = Browser.open()) {
      var driver = browser.driver;
      WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(30));

      driver.get(server.url("/console/"));
      wait.until(ExpectedConditions.urlContains("/console/signin"));
      browser.screenshot("01-signin");

      // A wrong token: the form says so, and focus can go straight back to the field.
      driver.switchTo().activeElement().sendKeys("scimd_wrong_" + "x".repeat(40), Keys.ENTER);
      wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("signin-error")));
      assertThat(driver.findElement(By.id("signin-error")).getText()).contains("not valid");
      browser.screenshot("02-signin-refused");

      // The token field has focus on load: type the token and press Enter.
      WebElement focused = driver.switchTo().activeElement();
      assertThat(focused.getAttribute("id")).isEqualTo("token");
      focused.sendKeys(TestServer.TOKEN, Keys.ENTER);
      wait.until(ExpectedConditions.urlContains("/console/users"));
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "Users"));
      assertThat(rows(driver)).hasSize(Console.PAGE_SIZE);
      assertThat(driver.findElement(By.className("count")).getText()).isEqualTo("30 users match.");
      browser.screenshot("03-users");

      // The next page, by the keyboard.
      driver.findElement(By.linkText("Next page")).sendKeys(Keys.ENTER);
      wait.until(d -> rows(d).size() == 30 - Console.PAGE_SIZE);
      assertThat(driver.findElements(By.linkText("Previous page"))).hasSize(1);
      browser.screenshot("04-users-page-2");

      // A SCIM filter, evaluated by the server.
      WebElement filter = driver.findElement(By.id("filter"));
      filter.clear();
      filter.sendKeys("userName eq \"user-07\"", Keys.ENTER);
      wait.until(
          ExpectedConditions.textToBePresentInElementLocated(
              By.className("count"), "1 user match"));
      assertThat(rows(driver)).hasSize(1);
      browser.screenshot("05-users-filtered");

      // A filter the server refuses: its reason, beside the box, nothing listed.
      filter = driver.findElement(By.id("filter"));
      filter.clear();
      filter.sendKeys("userName eq", Keys.ENTER);
      wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("filter-error")));
      assertThat(driver.findElement(By.id("filter")).getAttribute("aria-invalid"))
          .isEqualTo("true");
      assertThat(rows(driver)).isEmpty();
      browser.screenshot("06-users-bad-filter");

      // A user: details, groups, and the history of changes from the journal.
      driver.get(server.url("/console/users?filter=" + TestServer.q("userName eq \"user-07\"")));
      driver.findElement(By.linkText("user-07")).sendKeys(Keys.ENTER);
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "user-07"));
      assertThat(driver.findElement(By.className("facts")).getText()).contains("Alice Seven");
      assertThat(driver.findElement(By.linkText("Engineering")).getAttribute("href"))
          .endsWith("/console/groups/" + engineering);
      String history = driver.findElement(By.className("history")).getText();
      assertThat(history).contains("created").contains("patched").contains("members_added");
      browser.screenshot("07-user");

      // Its group, with its members.
      driver.findElement(By.linkText("Engineering")).sendKeys(Keys.ENTER);
      wait.until(
          ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "Engineering"));
      assertThat(driver.findElement(By.className("links")).getText()).contains("Alice Seven");
      browser.screenshot("08-group");

      // The groups list, from the navigation.
      driver.findElement(By.linkText("Groups")).sendKeys(Keys.ENTER);
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "Groups"));
      assertThat(rows(driver)).hasSize(1);
      browser.screenshot("09-groups");

      // Clients: create one with the keyboard, issue its token (shown once), rotate, revoke.
      driver.findElement(By.linkText("Clients")).sendKeys(Keys.ENTER);
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "Clients"));
      assertThat(rows(driver)).hasSize(1); // bootstrap
      browser.screenshot("10-clients");
      driver.findElement(By.id("client-name")).sendKeys("crm");
      driver
          .findElement(By.cssSelector("input[name=scope][value='scim:read']"))
          .sendKeys(Keys.SPACE);
      driver.findElement(By.id("client-name")).sendKeys(Keys.ENTER);
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "crm"));
      assertThat(driver.findElement(By.className("facts")).getText()).contains("scim:read");
      driver.findElement(By.xpath("//button[text()='Issue a new token']")).sendKeys(Keys.ENTER);
      wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("secret")));
      String token = driver.findElement(By.id("secret")).getAttribute("value");
      assertThat(
              server
                  .sendRaw(
                      "GET", TestServer.SCIM + "/Users", null, "Authorization", "Bearer " + token)
                  .statusCode())
          .as("the secret shown works")
          .isEqualTo(200);
      browser.screenshot("11-client-token-issued");
      // Shown once: the client's page, loaded again, has only its hint.
      driver.get(driver.getCurrentUrl().replaceAll("/tokens$", ""));
      assertThat(driver.getPageSource()).doesNotContain(token);
      driver.findElement(By.xpath("//button[text()='Rotate']")).sendKeys(Keys.ENTER);
      wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("secret")));
      assertThat(driver.findElement(By.className("secret")).getText()).contains("stops working at");
      assertThat(rows(driver)).hasSize(2);
      browser.screenshot("12-client-rotated");
      driver.findElements(By.xpath("//button[text()='Revoke']")).get(0).sendKeys(Keys.ENTER);
      wait.until(d -> rows(d).size() == 1);
      assertThat(
              server
                  .sendRaw(
                      "GET", TestServer.SCIM + "/Users", null, "Authorization", "Bearer " + token)
                  .statusCode())
          .as("the revoked token no longer works")
          .isEqualTo(401);
      browser.screenshot("13-client-revoked");

      // The audit trail: the client's creation, found by resource type and id.
      driver.findElement(By.linkText("Audit trail")).sendKeys(Keys.ENTER);
      wait.until(
          ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "Audit trail"));
      browser.screenshot("14-audit");
      // A boosted navigation keeps no page in the browser's storage: the pages carry secrets
      // shown once, people's addresses and the session's CSRF token.
      Object cached =
          ((org.openqa.selenium.JavascriptExecutor) driver)
              .executeScript("return window.localStorage.getItem('htmx-history-cache')");
      assertThat(cached == null ? "" : cached.toString()).doesNotContain("<");
      WebElement type = driver.findElement(By.id("resourceType"));
      type.sendKeys("User");
      driver.findElement(By.id("resourceId")).sendKeys(alice, Keys.ENTER);
      wait.until(d -> d.getCurrentUrl().contains("resourceId="));
      wait.until(d -> rows(d).size() == 2);
      assertThat(driver.findElement(By.className("history")).getText())
          .contains("created")
          .contains("patched");
      browser.screenshot("15-audit-of-a-user");
      assertThat(driver.findElement(By.partialLinkText("Export")).getAttribute("href"))
          .contains("/console/audit/export");

      // Signing out ends the session: the pages ask for a sign-in again.
      driver.findElement(By.cssSelector("form.signout button")).sendKeys(Keys.ENTER);
      wait.until(ExpectedConditions.urlContains("/console/signin"));
      driver.get(server.url("/console/users"));
      wait.until(ExpectedConditions.urlContains("/console/signin"));
      assertThat(driver.findElement(By.tagName("h1")).getText()).contains("Sign in");
    }
  }

  private static List<WebElement> rows(org.openqa.selenium.WebDriver driver) {
    return driver.findElements(By.cssSelector("main table tbody tr"));
  }
}
