package io.scimd.client;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.schema.SchemaUrns;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A BulkRequest (RFC 7644 §3.7): operations run by the server in one request. A POST names itself
 * with a {@code bulkId} that later operations use as {@code bulkId:<id>} in a path or a value (a
 * group's member created in the same request). Send with {@link ScimClient#bulk}.
 */
public final class BulkRequest {
  private final @Nullable Integer failOnErrors;
  private final List<ObjectNode> operations;

  private BulkRequest(@Nullable Integer failOnErrors, List<ObjectNode> operations) {
    this.failOnErrors = failOnErrors;
    this.operations = List.copyOf(operations);
  }

  public static Builder builder() {
    return new Builder();
  }

  public int size() {
    return operations.size();
  }

  public ObjectNode toJson() {
    ObjectNode o = Json.F.objectNode();
    o.putArray("schemas").add(SchemaUrns.BULK_REQUEST);
    if (failOnErrors != null) {
      o.put("failOnErrors", failOnErrors);
    }
    ArrayNode ops = o.putArray("Operations");
    operations.forEach(op -> ops.add(op.deepCopy()));
    return o;
  }

  public static final class Builder {
    private @Nullable Integer failOnErrors;
    private final List<ObjectNode> operations = new ArrayList<>();

    private Builder() {}

    /**
     * Stop after this many errors (RFC 7644 §3.7.3); unset: the server runs every operation and
     * reports each.
     */
    public Builder failOnErrors(int errors) {
      if (errors < 1) {
        throw new IllegalArgumentException("failOnErrors must be at least 1, not " + errors);
      }
      this.failOnErrors = errors;
      return this;
    }

    /** Creates {@code data} at {@code endpoint} ({@code "Users"}), named {@code bulkId}. */
    public Builder post(String endpoint, String bulkId, ObjectNode data) {
      if (bulkId.isBlank()) {
        throw new IllegalArgumentException("a bulk POST needs a bulkId");
      }
      ObjectNode op = op("POST", Uris.endpoint(endpoint), null);
      op.put("bulkId", bulkId);
      op.set("data", data.deepCopy());
      return this;
    }

    /**
     * Replaces resource {@code id} of {@code endpoint} (or {@code bulkId:x}); {@code version} is
     * its ETag for the If-Match check, or null.
     */
    public Builder put(String endpoint, String id, ObjectNode data, @Nullable String version) {
      op("PUT", resourcePath(endpoint, id), version).set("data", data.deepCopy());
      return this;
    }

    public Builder patch(String endpoint, String id, Patch patch, @Nullable String version) {
      op("PATCH", resourcePath(endpoint, id), version).set("data", patch.toJson());
      return this;
    }

    public Builder delete(String endpoint, String id, @Nullable String version) {
      op("DELETE", resourcePath(endpoint, id), version);
      return this;
    }

    public BulkRequest build() {
      if (operations.isEmpty()) {
        throw new IllegalStateException("a bulk request needs at least one operation");
      }
      return new BulkRequest(failOnErrors, operations);
    }

    private static String resourcePath(String endpoint, String id) {
      // A bulkId reference stays as written: the server resolves it before reading the path.
      return Uris.endpoint(endpoint) + "/" + (id.startsWith("bulkId:") ? id : Uris.segment(id));
    }

    private ObjectNode op(String method, String path, @Nullable String version) {
      ObjectNode op = Json.F.objectNode();
      op.put("method", method);
      op.put("path", path);
      if (version != null) {
        op.put("version", version);
      }
      operations.add(op);
      return op;
    }
  }
}
