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
 * reveals nothing of the server's insides.
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
            "{} {} -> {}: {}",
            request.getMethod(),
            request.getHttpURI().getPath(),
            e.status(),
            e.getMessage());
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
      LOG.error("{} {} failed", request.getMethod(), request.getHttpURI().getPath(), t);
      answer(
          request,
          response,
          callback,
          new ScimError(500, null, "the server failed to process the request; it has been logged"),
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
    // Every 503 is a busy database or node that may answer a second later (RFC 9110 §10.2.3):
    // clients such as Entra back off by Retry-After, not by guessing.
    Map<String, String> headers = error.status() == 503 ? Map.of("Retry-After", "1") : Map.of();
    HttpIo.writeError(response, callback, error, headers);
  }
}
