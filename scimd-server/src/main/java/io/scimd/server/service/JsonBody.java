package io.scimd.server.service;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;

/**
 * A response body that writes itself. The large ones (a group's members, a page of resources) are
 * written as the store reads them, so that no response is ever held whole: a group of a million
 * members renders at the shipped 256 MB heap.
 */
@FunctionalInterface
public interface JsonBody {
  void writeTo(JsonGenerator out) throws IOException;

  /** A body that is already a tree. */
  static JsonBody of(JsonNode tree) {
    return out -> out.writeTree(tree);
  }
}
