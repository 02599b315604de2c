package io.scimd.server.console;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Headless Chromium driven through chromedriver, both from Debian ({@code apt-get install chromium
 * chromium-driver}; {@code .ci/run} installs them when missing). Without them the browser tests are
 * skipped on a developer's machine and fail when {@code CI=true}: CI must prove the console.
 * Screenshots go to {@code target/console-screenshots/}, kept as test artifacts.
 */
final class Browser implements AutoCloseable {
  static final Path SCREENSHOTS = Path.of("target", "console-screenshots");

  private static final String[] CHROMIUM = {"/usr/bin/chromium", "/usr/bin/chromium-browser"};
  private static final String[] DRIVER = {
    "/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"
  };

  final ChromeDriver driver;

  private Browser(ChromeDriver driver) {
    this.driver = driver;
  }

  /** A new headless browser, or the test skipped (failed in CI) when there is none. */
  static Browser open() {
    String chromium = first(CHROMIUM);
    String chromedriver = first(DRIVER);
    if (chromium == null || chromedriver == null) {
      String why =
          "headless Chromium and chromedriver are not installed (apt-get install chromium"
              + " chromium-driver)";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        Assertions.fail("CI=true but the console's browser tests cannot run: " + why);
      }
      Assumptions.abort(why + "; with CI=true these tests fail instead of skipping.");
    }
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium);
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,900",
        "--lang=en");
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(Path.of(chromedriver).toFile())
            .usingAnyFreePort()
            .build();
    ChromeDriver driver = new ChromeDriver(service, options);
    // A loaded 2-core machine: generous limits; every wait polls.
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    return new Browser(driver);
  }

  /** Saves what the browser shows as {@code target/console-screenshots/NAME.png}. */
  void screenshot(String name) {
    try {
      Files.createDirectories(SCREENSHOTS);
      byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
      Files.write(SCREENSHOTS.resolve(name + ".png"), png);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String first(String[] paths) {
    for (String p : paths) {
      if (Files.isExecutable(Path.of(p))) {
        return p;
      }
    }
    return null;
  }

  @Override
  public void close() {
    driver.quit();
  }
}
