package io.scimd.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.scimd.server.http.TestServer;
import java.time.Duration;
import java.util.List;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Signing in through OIDC in headless Chromium: the provider (mock-oauth2-server on {@code
 * localhost}) is another site than scimd ({@code 127.0.0.1}), as a company's IdP is, so this is
 * where the cookies' SameSite rules meet a real browser: the state cookie must come back on the
 * provider's redirect, and the Strict session cookie must be sent once the browser moves on.
 */
class ConsoleOidcBrowserTest {
  private static MockOAuth2Server idp;
  private static TestServer server;

  @BeforeAll
  static void start() {
    // Its login form: the person signs in on the provider's page, so the browser's way back to
    // scimd starts on another site, as with a real provider.
    idp = new MockOAuth2Server(new OAuth2Config(true));
    idp.start();
    server =
        TestServer.start(
            TestServer.config()
                .withConsoleOidc(
                    new ConsoleOidc(
                        idp.issuerUrl("default").toString(),
                        "scimd-console",
                        "the-client-secret",
                        List.of("alice@example.com"),
                        null,
                        null)));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    if (idp != null) {
      idp.shutdown();
    }
  }

  @Test
  void signsInWithTheProvider_fromTheSignInPage_andSignsOut() {
    try (Browser browser = Browser.open()) {
      var driver = browser.driver;
      WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(30));

      driver.get(server.url("/console/"));
      wait.until(ExpectedConditions.urlContains("/console/signin"));
      assertThat(driver.findElement(By.id("oidc-signin")).getText())
          .startsWith("Sign in with localhost:");
      browser.screenshot("oidc-01-signin");

      driver.findElement(By.id("oidc-signin")).sendKeys(Keys.ENTER);
      wait.until(ExpectedConditions.visibilityOfElementLocated(By.name("username")));
      driver.findElement(By.name("username")).sendKeys("alice-sub");
      driver
          .findElement(By.name("claims"))
          .sendKeys("{\"email\": \"alice@example.com\", \"email_verified\": true}");
      browser.screenshot("oidc-02-provider-login");
      driver.findElement(By.cssSelector("input[type=submit]")).click();
      // Were the callback a 303 to /console/users, Chromium would not send the new SameSite=Strict
      // session cookie on a chain the provider's page started, and this would land on the sign-in
      // page (tried): the callback's page moves on by itself instead.
      wait.until(ExpectedConditions.urlContains("/console/users"));
      wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "Users"));
      assertThat(driver.getPageSource()).contains("alice@example.com");
      browser.screenshot("oidc-03-signed-in");

      driver.findElement(By.cssSelector("form[action='/console/signout'] button")).click();
      wait.until(ExpectedConditions.urlContains("/console/signin"));
      driver.get(server.url("/console/users"));
      wait.until(ExpectedConditions.urlContains("/console/signin"));
    }
  }
}
