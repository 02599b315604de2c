package io.scimd.server.limits;

import static io.scimd.server.http.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.server.Main;
import io.scimd.server.ScimServer;
import io.scimd.server.http.TestServer;
import io.scimd.server.service.ServiceConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** The limit options of {@code serve}, through the command line and the environment. */
class LimitOptionsTest {
  @TempDir Path dir;
  final StringWriter err = new StringWriter();

  CommandLine cli(Map<String, String> env, CompletableFuture<ScimServer> started) {
    CommandLine cl = Main.commandLine(env, started::complete);
    cl.setOut(new PrintWriter(new StringWriter(), true));
    cl.setErr(new PrintWriter(err, true));
    return cl;
  }

  /** Serves with {@code env} and {@code args}, and returns its /ServiceProviderConfig. */
  JsonNode serviceProviderConfig(Map<String, String> env, String... args) throws Exception {
    CompletableFuture<ScimServer> started = new CompletableFuture<>();
    CommandLine cl = cli(env, started);
    List<String> all = new java.util.ArrayList<>(List.of("serve", "--port", "0"));
    all.addAll(List.of(args));
    CompletableFuture<Integer> exit =
        CompletableFuture.supplyAsync(() -> cl.execute(all.toArray(String[]::new)));
    JsonNode spc;
    try (TestServer server = TestServer.of(started.get(30, TimeUnit.SECONDS))) {
      spc = json(server.sendRaw("GET", "/scim/v2/ServiceProviderConfig", null));
    }
    assertThat(exit.get(30, TimeUnit.SECONDS)).as(err.toString()).isZero();
    return spc;
  }

  @Test
  void defaults_arePublished() throws Exception {
    JsonNode spc =
        serviceProviderConfig(
            Map.of("SCIMD_BOOTSTRAP_TOKEN", TestServer.TOKEN, "SCIMD_DATA", dir.toString()));
    assertThat(spc.path("bulk").path("maxOperations").asInt()).isEqualTo(1000);
    assertThat(spc.path("bulk").path("maxPayloadSize").asInt()).isEqualTo(1_048_576);
    assertThat(spc.path("filter").path("maxResults").asInt()).isEqualTo(1000);
    JsonNode limits = spc.path(ServiceConfig.LIMITS);
    assertThat(limits.path("maxFilterLength").asInt()).isEqualTo(10_000);
    assertThat(limits.path("maxFilterDepth").asInt()).isEqualTo(10);
    assertThat(limits.path("maxPatchOperations").asInt()).isEqualTo(1000);
    assertThat(limits.path("rateLimit").path("requestsPerSecond").asDouble()).isEqualTo(100.0);
    assertThat(limits.path("rateLimit").path("burst").asInt()).isEqualTo(200);
  }

  @Test
  void flagsAndVariables_setEveryLimit() throws Exception {
    JsonNode spc =
        serviceProviderConfig(
            Map.of(
                "SCIMD_BOOTSTRAP_TOKEN",
                TestServer.TOKEN,
                "SCIMD_DATA",
                dir.toString(),
                "SCIMD_MAX_FILTER_DEPTH",
                "3",
                "SCIMD_RATE_LIMIT",
                "600/m",
                "SCIMD_MAX_PATCH_OPERATIONS",
                "11"),
            "--max-payload-size",
            "4KiB",
            "--max-results",
            "7",
            "--bulk-max-operations",
            "9",
            "--max-filter-length",
            "77",
            "--rate-limit-burst",
            "30",
            "--auth-failure-limit",
            "off");
    assertThat(spc.path("bulk").path("maxOperations").asInt()).isEqualTo(9);
    assertThat(spc.path("bulk").path("maxPayloadSize").asInt()).isEqualTo(4096);
    assertThat(spc.path("filter").path("maxResults").asInt()).isEqualTo(7);
    assertThat(spc.path("pagination").path("defaultPageSize").asInt()).isEqualTo(7);
    JsonNode limits = spc.path(ServiceConfig.LIMITS);
    assertThat(limits.path("maxFilterLength").asInt()).isEqualTo(77);
    assertThat(limits.path("maxFilterDepth").asInt()).isEqualTo(3);
    assertThat(limits.path("maxPatchOperations").asInt()).isEqualTo(11);
    assertThat(limits.path("rateLimit").path("requestsPerSecond").asDouble()).isEqualTo(10.0);
    assertThat(limits.path("rateLimit").path("burst").asInt()).isEqualTo(30);
  }

  @Test
  void rateLimitOff_publishesNoRate() throws Exception {
    JsonNode spc =
        serviceProviderConfig(
            Map.of("SCIMD_BOOTSTRAP_TOKEN", TestServer.TOKEN, "SCIMD_DATA", dir.toString()),
            "--rate-limit",
            "off");
    assertThat(spc.path(ServiceConfig.LIMITS).has("rateLimit")).isFalse();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--rate-limit|fast|--rate-limit: 'fast' is not a rate",
        "--rate-limit-burst|0|burst must be at least 1",
        "--auth-failure-limit|10/d|--auth-failure-limit: '10/d' is not a rate",
        "--max-filter-depth|65|--max-filter-depth must be between 1 and 64",
        "--max-filter-length|0|--max-filter-length must be at least 1",
        "--max-patch-operations|0|--max-patch-operations must be at least 1",
        "--bulk-max-operations|0|--bulk-max-operations must be at least 1",
        "--max-results|0|--max-results must be at least 1",
        "--max-payload-size|100|--max-payload-size must be between 1KiB and 256MiB",
        "--max-payload-size|1GiB|is not a size",
      })
  void anUnusableLimit_exits2(String option, String value, String message) {
    int code =
        cli(Map.of(), new CompletableFuture<>())
            .execute("serve", "--port", "0", "--data", dir.toString(), option, value);
    assertThat(code).as(err.toString()).isEqualTo(2);
    assertThat(err.toString()).contains(message);
  }
}
