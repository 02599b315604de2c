package io.scimd.server.service;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What the service answers, free of any HTTP library: a status, an optional JSON body and headers
 * such as {@code Location} and {@code ETag}. Errors are not responses: they are thrown as {@link
 * io.scimd.core.error.ScimException}.
 */
public record ScimResponse(int status, @Nullable JsonNode body, Map<String, String> headers) {
  public ScimResponse {
    headers = Map.copyOf(headers);
  }
}
