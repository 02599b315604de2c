package io.scimd.server.http;

import io.scimd.core.error.ScimError;
import io.scimd.core.error.ScimException;
import java.util.Map;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where a failure becomes a response: a {@link ScimException} is rendered as its SCIM
 * error (4xx logged at debug, without a stack trace: the client is told what to fix); any other
 * throwable is a bug, logged with its stack trace, and answers a generic 500 SCIM error that
 * reveals nothing of the server's insides. Every 5xx body names the request id, which the log line
 * of the failure and the access log line carry too.
 */
final class ErrorHandling extends Handler.Wrapper {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorHandling.class);

  ErrorHandling(Handler handler) {
    super(handler);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    try {
      return super.handle(request, response, callback);
    } catch (ScimException e) {
      if (e.status() >= 500) {
        LOG.warn(
            "{} {} -> {}: {} (request id {})",
            request.getMethod(),
            request.getHttpURI().getPath(),
            e.status(),
            e.getMessage(),
            RequestIds.of(request));
      } else {
        LOG.debug(
            "{} {} -> {}: {}",
            request.getMethod(),
            request.getHttpURI().getPath(),
            e.status(),
            e.getMessage());
      }
      answer(request, response, callback, e.error(), e);
    } catch (Throwable t) {
      String id = RequestIds.of(request);
      LOG.error(
          "{} {} failed (request id {})",
          request.getMethod(),
          request.getHttpURI().getPath(),
          id,
          t);
      answer(
          request,
          response,
          callback,
          new ScimError(
              500,
              null,
              "the server failed to process the request; it has been logged with the request id "
                  + id),
          t);
    }
    return true;
  }

  private static void answer(
      Request request, Response response, Callback callback, ScimError error, Throwable cause) {
    if (response.isCommitted()) {
      callback.failed(cause);
      return;
    }
    response.reset();
    HttpIo.settleBody(request, response);
    String id = RequestIds.of(request);
    response.getHeaders().put(RequestIds.HEADER, id);
    if (error.status() >= 500 && !error.detail().contains(id)) {
      // The client can quote it; the log line of the failure carries the same id.
      error =
          new ScimError(
              error.status(), error.scimType(), error.detail() + " (request id " + id + ")");
    }
    // Every 503 is a busy database or node that may answer a second later (RFC 9110 §10.2.3):
    // clients such as Entra back off by Retry-After, not by guessing.
    Map<String, String> headers = error.status() == 503 ? Map.of("Retry-After", "1") : Map.of();
    HttpIo.writeError(response, callback, error, headers);
  }
}
