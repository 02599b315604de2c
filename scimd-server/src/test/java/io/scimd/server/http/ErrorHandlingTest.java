package io.scimd.server.http;

import static io.scimd.core.schema.SchemaUrns.ERROR;
import static org.assertj.core.api.Assertions.assertThat;

import io.scimd.core.error.ScimException;
import org.eclipse.jetty.http.HttpTester;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The error wrapper around a handler that fails, over Jetty's in-memory connector. */
class ErrorHandlingTest {
  Server server;
  LocalConnector connector;

  void serve(RuntimeException failure) throws Exception {
    server = new Server();
    connector = new LocalConnector(server);
    server.addConnector(connector);
    server.setHandler(
        new ErrorHandling(
            new Handler.Abstract() {
              @Override
              public boolean handle(Request request, Response response, Callback callback) {
                throw failure;
              }
            }));
    server.setErrorHandler(new ScimErrorPages());
    server.start();
  }

  @AfterEach
  void stop() throws Exception {
    server.stop();
  }

  HttpTester.Response get() throws Exception {
    return HttpTester.parseResponse(
        connector.getResponse(
            "GET /scim/v2/Users HTTP/1.1\r\nHost: local\r\nConnection: close\r\n\r\n"));
  }

  @Test
  void unexpectedException_answers500ScimErrorWithoutDetailsOrStackTrace() throws Exception {
    serve(new NullPointerException("secret internal state at io.scimd.Foo"));
    HttpTester.Response r = get();
    assertThat(r.getStatus()).isEqualTo(500);
    assertThat(r.get("Content-Type")).isEqualTo("application/scim+json");
    assertThat(r.getContent())
        .contains("\"status\":\"500\"")
        .contains(ERROR)
        .doesNotContain("secret")
        .doesNotContain("NullPointerException")
        .doesNotContain("at io.scimd");
  }

  @Test
  void scimException_isRenderedWithItsStatusAndScimType() throws Exception {
    serve(ScimException.invalidFilter("bad filter at position 7"));
    HttpTester.Response r = get();
    assertThat(r.getStatus()).isEqualTo(400);
    assertThat(r.getContent())
        .contains("\"status\":\"400\"")
        .contains("\"scimType\":\"invalidFilter\"")
        .contains("bad filter at position 7");
  }

  @Test
  void requestJettyCannotParse_answersScimError() throws Exception {
    serve(new IllegalStateException("unused"));
    HttpTester.Response r =
        HttpTester.parseResponse(
            connector.getResponse(
                "GET /scim/v2/%zz HTTP/1.1\r\nHost: local\r\nConnection: close\r\n\r\n"));
    assertThat(r.getStatus()).isEqualTo(400);
    assertThat(r.getContent()).contains(ERROR).doesNotContain("<html");
  }
}
