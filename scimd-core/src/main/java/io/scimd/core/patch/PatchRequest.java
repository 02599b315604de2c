package io.scimd.core.patch;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.core.error.ScimException;
import java.util.List;

/** Reads a PatchOp request body (RFC 7644 §3.5.2). */
public final class PatchRequest {
  private PatchRequest() {}

  /**
   * @throws ScimException {@code invalidSyntax} when the body is not a PatchOp message, {@code
   *     invalidPath}/{@code invalidFilter} for a bad path, {@code noTarget} for a remove without path
   */
  public static List<PatchOperation> parse(JsonNode body) {
    throw new UnsupportedOperationException("TODO: patch request");
  }
}
