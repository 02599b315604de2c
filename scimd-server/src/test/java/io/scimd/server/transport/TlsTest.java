package io.scimd.server.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.scimd.core.schema.SchemaRegistry;
import io.scimd.server.Main;
import io.scimd.server.ScimServer;
import io.scimd.server.http.TestServer;
import io.scimd.store.PoolSettings;
import io.scimd.store.Store;
import io.scimd.store.jdbc.Stores;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * HTTPS from PEM files through a real server and the JDK's HTTP client, which trusts only the test
 * certificates and checks that they name 127.0.0.1. Each request goes on a new client, so on a new
 * connection with a new handshake.
 */
class TlsTest {
  @TempDir Path dir;
  TestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  TestServer start(Path cert, Path key, TransportConfig transport) {
    server = TestServer.start(TestServer.config().withTransport(transport.withTls(cert, key)));
    return server;
  }

  String url(String path) {
    return "https://127.0.0.1:" + server.server.port() + path;
  }

  HttpResponse<String> send(
      SSLContext trust, SSLParameters params, String method, String path, String body)
      throws IOException, InterruptedException {
    HttpClient client =
        HttpClient.newBuilder()
            .sslContext(trust)
            .sslParameters(params)
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url(path)))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + TestServer.TOKEN);
    if (body == null) {
      b.GET();
    } else {
      b.header("Content-Type", "application/scim+json")
          .method(method, HttpRequest.BodyPublishers.ofString(body));
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(SSLContext trust, String path) throws IOException, InterruptedException {
    return send(trust, new SSLParameters(), "GET", path, null);
  }

  static SSLSession session(HttpResponse<?> r) {
    return r.sslSession().orElseThrow();
  }

  static String servedSubject(HttpResponse<?> r) throws IOException {
    return ((X509Certificate) session(r).getPeerCertificates()[0])
        .getSubjectX500Principal()
        .getName();
  }

  @Test
  void https_withAnRsaPemPair_servesScim() throws Exception {
    TestCertificates.Pair rsa = TestCertificates.shared("rsa", "RSA");
    start(rsa.cert(), rsa.key(), TransportConfig.DEFAULTS);
    SSLContext trust = TestCertificates.trusting(rsa.certificate());

    HttpResponse<String> list = get(trust, "/scim/v2/Users");
    assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
    assertThat(session(list).getProtocol()).isIn("TLSv1.3", "TLSv1.2");
    assertThat(servedSubject(list)).isEqualTo("CN=rsa");
    assertThat(list.headers().firstValue("Strict-Transport-Security")).hasValue("max-age=31536000");

    HttpResponse<String> created =
        send(trust, new SSLParameters(), "POST", "/scim/v2/Users", TestServer.user("tls.user"));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    assertThat(created.headers().firstValue("Location").orElseThrow())
        .startsWith(url("/scim/v2/Users/"));
  }

  @Test
  void https_withAnEcPemPair_servesScim() throws Exception {
    TestCertificates.Pair ec = TestCertificates.shared("ec", "EC");
    start(ec.cert(), ec.key(), TransportConfig.DEFAULTS);
    HttpResponse<String> r =
        get(TestCertificates.trusting(ec.certificate()), "/scim/v2/ServiceProviderConfig");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(servedSubject(r)).isEqualTo("CN=ec");
  }

  @Test
  void aTls12OnlyClient_isServed() throws Exception {
    TestCertificates.Pair rsa = TestCertificates.shared("rsa", "RSA");
    start(rsa.cert(), rsa.key(), TransportConfig.DEFAULTS);
    SSLParameters tls12 = new SSLParameters();
    tls12.setProtocols(new String[] {"TLSv1.2"});
    HttpResponse<String> r =
        send(TestCertificates.trusting(rsa.certificate()), tls12, "GET", "/health", null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(session(r).getProtocol()).isEqualTo("TLSv1.2");
  }

  @Test
  void aCertificateReplacedWhileRunning_isServedToNewConnections() throws Exception {
    TestCertificates.Pair first = TestCertificates.shared("rsa", "RSA");
    TestCertificates.Pair second = TestCertificates.shared("ec", "EC");
    Path live = Files.createDirectory(dir.resolve("live"));
    Path cert = live.resolve("tls.crt");
    Path key = live.resolve("tls.key");
    first.installAs(cert, key);
    start(cert, key, TransportConfig.DEFAULTS);
    SSLContext trustBoth = TestCertificates.trusting(first.certificate(), second.certificate());
    assertThat(servedSubject(get(trustBoth, "/health"))).isEqualTo("CN=rsa");

    // Half a renewal: the new certificate beside the old key is no usable pair, so the old one
    // stays.
    second.installCertOnly(cert);
    Thread.sleep(3_000);
    assertThat(servedSubject(get(trustBoth, "/health"))).isEqualTo("CN=rsa");

    second.installKeyOnly(key);
    assertThat(subjectWithin(trustBoth, "CN=ec", Duration.ofSeconds(20)))
        .as("the renewed certificate on a new connection")
        .isEqualTo("CN=ec");
  }

  @Test
  void aRenewalThatSwapsASymbolicLink_likeAKubernetesSecret_isServedToNewConnections()
      throws Exception {
    TestCertificates.Pair first = TestCertificates.shared("rsa", "RSA");
    TestCertificates.Pair second = TestCertificates.shared("ec", "EC");
    Path live = Files.createDirectory(dir.resolve("secret"));
    first.installAs(
        live.resolve("..v1").resolve("tls.crt"), live.resolve("..v1").resolve("tls.key"));
    second.installAs(
        live.resolve("..v2").resolve("tls.crt"), live.resolve("..v2").resolve("tls.key"));
    Files.createSymbolicLink(live.resolve("..data"), Path.of("..v1"));
    Files.createSymbolicLink(live.resolve("tls.crt"), Path.of("..data", "tls.crt"));
    Files.createSymbolicLink(live.resolve("tls.key"), Path.of("..data", "tls.key"));
    start(live.resolve("tls.crt"), live.resolve("tls.key"), TransportConfig.DEFAULTS);
    SSLContext trustBoth = TestCertificates.trusting(first.certificate(), second.certificate());
    assertThat(servedSubject(get(trustBoth, "/health"))).isEqualTo("CN=rsa");

    Files.createSymbolicLink(live.resolve("..data_tmp"), Path.of("..v2"));
    Files.move(
        live.resolve("..data_tmp"),
        live.resolve("..data"),
        StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
    assertThat(subjectWithin(trustBoth, "CN=ec", Duration.ofSeconds(20))).isEqualTo("CN=ec");
  }

  /** The subject served to new connections once it is {@code expected}, or the last one seen. */
  String subjectWithin(SSLContext trust, String expected, Duration patience) throws Exception {
    long deadline = System.nanoTime() + patience.toNanos();
    String subject = "";
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = get(trust, "/scim/v2/Users");
      assertThat(r.statusCode()).isEqualTo(200);
      subject = servedSubject(r);
      if (subject.equals(expected)) {
        break;
      }
      Thread.sleep(200);
    }
    return subject;
  }

  @Test
  void aClientThatNeverCompletesItsHandshake_isClosedAtTheHeaderDeadline() throws Exception {
    TestCertificates.Pair rsa = TestCertificates.shared("rsa", "RSA");
    start(
        rsa.cert(),
        rsa.key(),
        TransportConfig.DEFAULTS.withTimeouts(
            Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofSeconds(1)));
    try (Socket s = new Socket("127.0.0.1", server.server.port())) {
      s.setSoTimeout(10_000);
      long began = System.nanoTime();
      s.getOutputStream().write(0x16); // the first byte of a TLS record, and no more
      s.getOutputStream().flush();
      InputStream in = s.getInputStream();
      int read;
      do {
        read = in.read();
      } while (read >= 0);
      assertThat(Duration.ofNanos(System.nanoTime() - began))
          .isBetween(Duration.ofMillis(900), Duration.ofSeconds(5));
    }
  }

  @Test
  void anEstablishedTlsConnection_idleBetweenRequests_outlivesTheHeaderDeadline() throws Exception {
    TestCertificates.Pair rsa = TestCertificates.shared("rsa", "RSA");
    start(
        rsa.cert(),
        rsa.key(),
        TransportConfig.DEFAULTS.withTimeouts(
            Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofSeconds(1)));
    SSLContext trust = TestCertificates.trusting(rsa.certificate());
    try (SSLSocket s =
        (SSLSocket) trust.getSocketFactory().createSocket("127.0.0.1", server.server.port())) {
      s.setSoTimeout(10_000);
      s.startHandshake();
      for (int i = 0; i < 2; i++) {
        s.getOutputStream()
            .write(
                "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
        assertThat(SlowClientsTest.readResponseHead(s.getInputStream())).startsWith("HTTP/1.1 200");
        Thread.sleep(2_500);
      }
    }
  }

  // ------------------------------------------------------------------ refusing to start

  final StringWriter err = new StringWriter();

  int serve(String... tlsArgs) {
    CommandLine cl =
        Main.commandLine(
            Map.of("SCIMD_BOOTSTRAP_TOKEN", TestServer.TOKEN), (ScimServer s) -> s.close());
    cl.setOut(new PrintWriter(new StringWriter(), true));
    cl.setErr(new PrintWriter(err, true));
    String[] args = new String[tlsArgs.length + 5];
    args[0] = "serve";
    args[1] = "--port";
    args[2] = "0";
    args[3] = "--data";
    args[4] = dir.resolve("data").toString();
    System.arraycopy(tlsArgs, 0, args, 5, tlsArgs.length);
    return cl.execute(args);
  }

  @Test
  void serve_withAKeyOfAnotherCertificate_exits2_andCreatesNoCredential() throws Exception {
    TestCertificates.Pair a = TestCertificates.shared("rsa", "RSA");
    TestCertificates.Pair b = TestCertificates.shared("other", "RSA");
    assertThat(serve("--tls-cert", a.cert().toString(), "--tls-key", b.key().toString()))
        .isEqualTo(2);
    assertThat(err.toString())
        .startsWith("scimd: invalid configuration: ")
        .contains("does not belong");
    try (Store store =
        Stores.open(
            dir.resolve("data").toString(),
            SchemaRegistry.builtIn(),
            InstantSource.system(),
            PoolSettings.defaults())) {
      assertThat(store.credentials().list()).as("the one-time token was not used up").isEmpty();
    }
  }

  @Test
  void serve_withAPkcs1Key_exits2_sayingHowToConvertIt() throws Exception {
    TestCertificates.Pair a = TestCertificates.shared("rsa", "RSA");
    Path pkcs1 = dir.resolve("rsa1.pem");
    Files.writeString(pkcs1, TestCertificates.pem("RSA PRIVATE KEY", new byte[] {0x30, 0x00}));
    assertThat(serve("--tls-cert", a.cert().toString(), "--tls-key", pkcs1.toString()))
        .isEqualTo(2);
    assertThat(err.toString())
        .contains("PKCS#8")
        .contains("openssl pkcs8 -topk8 -nocrypt -in " + pkcs1);
  }

  @Test
  void serve_withACertificateButNoKey_exits2() {
    assertThat(serve("--tls-cert", dir.resolve("x.pem").toString())).isEqualTo(2);
    assertThat(err.toString()).contains("--tls-cert and --tls-key go together");
  }

  @Test
  void serve_withAMissingCertificateFile_exits2() {
    assertThat(
            serve(
                "--tls-cert",
                dir.resolve("none.pem").toString(),
                "--tls-key",
                dir.resolve("none.key").toString()))
        .isEqualTo(2);
    assertThat(err.toString()).contains("cannot read").contains("none.pem");
  }

  @Test
  void serve_withAFileThatHoldsNoCertificate_exits2() throws Exception {
    TestCertificates.Pair a = TestCertificates.shared("rsa", "RSA");
    assertThat(serve("--tls-cert", a.key().toString(), "--tls-key", a.key().toString()))
        .isEqualTo(2);
    assertThat(err.toString()).contains("no").contains("CERTIFICATE");
  }
}
