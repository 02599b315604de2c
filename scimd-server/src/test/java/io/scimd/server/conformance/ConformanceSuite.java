package io.scimd.server.conformance;

import io.scimd.server.http.TestServer;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * One server per conformance class, with the conformance schemas (the Device resource type and the
 * test extension), and names no other test of the class uses.
 */
abstract class ConformanceSuite {
  static final String DEVICE = "urn:example:scim:schemas:2.0:Device";
  static TestServer server;
  static TestServer.Client scim;
  private static final AtomicInteger SEQ = new AtomicInteger();

  @BeforeAll
  static void startConformanceServer() {
    server = TestServer.startWithSchemas("/schemas/conformance");
    scim = server.scim();
  }

  @AfterAll
  static void stopConformanceServer() {
    server.close();
  }

  /** {@code prefix} made unique within the run. */
  static String fresh(String prefix) {
    return prefix + "-" + SEQ.incrementAndGet();
  }
}
