package io.scimd.server.http;

import io.scimd.core.error.ScimError;
import io.scimd.server.service.ScimErrors;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * Jetty's own error responses (a request line or URI it cannot parse, an ambiguous URI such as an
 * encoded {@code /}, headers too large...) in the SCIM error format (RFC 7644 §3.12), so that no
 * client ever sees an HTML page, an empty body or a stack trace.
 */
final class ScimErrorPages extends ErrorHandler {
  /**
   * Every method gets a body: Jetty's default writes one only for GET, POST and HEAD, so a PUT,
   * PATCH or DELETE that Jetty rejects (an encoded {@code /} in its path) answered an empty 400.
   */
  @Override
  public boolean errorPageForMethod(String method) {
    return true;
  }

  @Override
  protected void generateResponse(
      Request request,
      Response response,
      int code,
      String message,
      @Nullable Throwable cause,
      Callback callback) {
    // A request Jetty could not parse never met the request customizers that set these.
    SecurityHeaders.addTo(response.getHeaders());
    ScimError error = error(code, message);
    if (error.status() >= 500) {
      String id = RequestIds.of(request);
      response.getHeaders().put(RequestIds.HEADER, id);
      error = new ScimError(error.status(), null, error.detail() + " (request id " + id + ")");
    }
    HttpIo.writeError(response, callback, error, Map.of());
  }

  @Override
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    fields.put(HttpHeader.CONTENT_TYPE, HttpIo.SCIM_JSON);
    // A message Jetty cannot parse is answered before any request customizer runs.
    SecurityHeaders.addTo(fields);
    try {
      return ByteBuffer.wrap(
          HttpIo.MAPPER.writeValueAsBytes(ScimErrors.toJson(error(status, reason))));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ScimError error(int code, @Nullable String message) {
    int status = code < 400 || code > 599 ? 500 : code;
    String detail;
    if (status == 500) {
      detail = "the server failed to process the request"; // its message may tell of the insides
    } else if (status > 500) {
      detail = "the request was rejected: " + HttpStatus.getMessage(status); // e.g. 505
    } else if (message == null || message.isBlank()) {
      detail = "the request was rejected: " + HttpStatus.getMessage(status);
    } else {
      detail = "the request was rejected: " + message;
    }
    return new ScimError(status, null, detail);
  }
}
