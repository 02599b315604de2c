package io.scimd.server.transport;

import static io.scimd.server.http.TestServer.authorized;
import static io.scimd.server.http.TestServer.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.scimd.server.Main;
import io.scimd.server.ScimServer;
import io.scimd.server.http.TestServer;
import io.scimd.server.http.TestServer.Raw;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The transport options of {@code serve}, through the command line, and the CIDR blocks they take.
 */
class TransportOptionsTest {
  @TempDir Path dir;
  final StringWriter err = new StringWriter();

  CommandLine cli(Map<String, String> env, CompletableFuture<ScimServer> started) {
    CommandLine cl = Main.commandLine(env, started::complete);
    cl.setOut(new PrintWriter(new StringWriter(), true));
    cl.setErr(new PrintWriter(err, true));
    return cl;
  }

  @Test
  void trustedProxies_fromTheEnvironment_areACommaSeparatedList() throws Exception {
    CompletableFuture<ScimServer> started = new CompletableFuture<>();
    Map<String, String> env =
        Map.of(
            "SCIMD_BOOTSTRAP_TOKEN",
            TestServer.TOKEN,
            "SCIMD_DATA",
            dir.toString(),
            "SCIMD_TRUSTED_PROXY",
            "10.0.0.0/8, 127.0.0.1",
            "SCIMD_HEADER_TIMEOUT",
            "5s");
    CommandLine cl = cli(env, started);
    CompletableFuture<Integer> exit =
        CompletableFuture.supplyAsync(() -> cl.execute("serve", "--port", "0"));
    try (TestServer server = TestServer.of(started.get(30, TimeUnit.SECONDS))) {
      Raw r =
          server.raw(
              InetAddress.getByName("127.0.0.1"),
              "POST /scim/v2/Users HTTP/1.1",
              user("env.proxy"),
              authorized("X-Forwarded-Proto: https", "X-Forwarded-Host: scim.example.com"));
      assertThat(r.headers().get("Location"))
          .as(r.toString())
          .startsWith("https://scim.example.com/scim/v2/Users/");
    }
    assertThat(exit.get(30, TimeUnit.SECONDS)).as(err.toString()).isZero();
  }

  @Test
  void aTrustedProxyThatIsNoAddress_exits2() {
    int code =
        cli(Map.of(), new CompletableFuture<>())
            .execute(
                "serve",
                "--port",
                "0",
                "--data",
                dir.toString(),
                "--trusted-proxy",
                "proxy.internal");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .startsWith("scimd: invalid configuration: ")
        .contains("'proxy.internal' is not an IP address or CIDR block");
  }

  @Test
  void aZeroTimeoutOrCap_exits2() {
    assertThat(
            cli(Map.of(), new CompletableFuture<>())
                .execute("serve", "--port", "0", "--data", dir.toString(), "--header-timeout", "0"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("--header-timeout must be at least 1ms");
    assertThat(
            cli(Map.of(), new CompletableFuture<>())
                .execute(
                    "serve", "--port", "0", "--data", dir.toString(), "--max-connections", "0"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("--max-connections must be at least 1");
  }

  @Test
  void cidr_parsesBlocksAndAddresses_andMatchesByPrefix() throws Exception {
    Cidr ten = Cidr.parse("10.0.0.0/8");
    assertThat(ten.contains(InetAddress.getByName("10.255.1.2"))).isTrue();
    assertThat(ten.contains(InetAddress.getByName("11.0.0.1"))).isFalse();
    assertThat(ten.contains(InetAddress.getByName("::ffff:a00:1")))
        .as("an IPv4-mapped address is IPv4")
        .isTrue();
    assertThat(Cidr.parse("192.168.1.77/24")).hasToString("192.168.1.0/24");
    assertThat(Cidr.parse("127.0.0.1").contains(InetAddress.getByName("127.0.0.2"))).isFalse();
    Cidr v6 = Cidr.parse("fd00::/8");
    assertThat(v6.contains(InetAddress.getByName("fd12:3456::1"))).isTrue();
    assertThat(v6.contains(InetAddress.getByName("10.0.0.1"))).isFalse();
    assertThat(Cidr.parse("[::1]").contains(InetAddress.getByName("::1"))).isTrue();
    assertThat(Cidr.parse("0.0.0.0/0").contains(InetAddress.getByName("203.0.113.1"))).isTrue();
    for (String bad :
        new String[] {
          "",
          "localhost",
          "10.0.0.0/33",
          "300.1.1.1",
          "10.0.0/8",
          "::1/129",
          "10.0.0.0/-1",
          "1.2.3.4/8/8"
        }) {
      assertThatThrownBy(() -> Cidr.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
