package io.scimd.server.service;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Where a read sends its answer: the HTTP adapter writes it to the client as the body produces it;
 * tests collect it. The service calls {@link #respond} once, inside the store read the body reads
 * from, so that a streamed body comes from one snapshot, the one its status and {@code ETag} were
 * decided on. Errors found before it is called are thrown as {@link
 * io.scimd.core.error.ScimException}; one thrown while the body is written leaves the response cut
 * short, which a client sees as a failed request, never as a complete wrong one.
 */
@FunctionalInterface
public interface Responder {
  void respond(int status, Map<String, String> headers, @Nullable JsonBody body);
}
