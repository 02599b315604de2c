package io.scimd.server.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.Store;
import org.jspecify.annotations.Nullable;

/**
 * The SCIM protocol (RFC 7644) over a {@link Store}: create, read, replace, patch, delete, list,
 * search and bulk, with ETag preconditions. It knows nothing of HTTP; the HTTP layer only parses
 * requests into these calls and writes the {@link ScimResponse}s. Every failure is a thrown {@link
 * ScimException}; no call leaves a half-applied change.
 *
 * <p>{@code base} is the absolute URL of the SCIM root the request came in on (e.g. {@code
 * http://host:8080/scim/v2}), used for {@code meta.location}, {@code Location} and {@code $ref}.
 * {@code attributes}/{@code excludedAttributes} are the raw query parameters (null when absent).
 */
public final class ScimService {
  private final SchemaRegistry registry;
  private final Store store;
  private final ServiceConfig config;

  public ScimService(SchemaRegistry registry, Store store, ServiceConfig config) {
    this.registry = registry;
    this.store = store;
    this.config = config;
  }

  public SchemaRegistry registry() {
    return registry;
  }

  public ServiceConfig config() {
    return config;
  }

  /** POST /{Type}: 201 with the resource, {@code Location} and {@code ETag}. */
  public ScimResponse create(
      ResourceType type, JsonNode body, String base, @Nullable String attributes, @Nullable String excludedAttributes) {
    throw new UnsupportedOperationException("TODO");
  }

  /** GET /{Type}/{id}: 200, or 304 when {@code ifNoneMatch} matches the current version. */
  public ScimResponse get(
      ResourceType type,
      String id,
      String base,
      @Nullable String attributes,
      @Nullable String excludedAttributes,
      @Nullable String ifNoneMatch) {
    throw new UnsupportedOperationException("TODO");
  }

  /** PUT /{Type}/{id}: 200; 412 when {@code ifMatch} does not match. */
  public ScimResponse replace(
      ResourceType type,
      String id,
      JsonNode body,
      String base,
      @Nullable String attributes,
      @Nullable String excludedAttributes,
      @Nullable String ifMatch) {
    throw new UnsupportedOperationException("TODO");
  }

  /** PATCH /{Type}/{id}: 200 with the resource; 412 when {@code ifMatch} does not match. */
  public ScimResponse patch(
      ResourceType type,
      String id,
      JsonNode body,
      String base,
      @Nullable String attributes,
      @Nullable String excludedAttributes,
      @Nullable String ifMatch) {
    throw new UnsupportedOperationException("TODO");
  }

  /** DELETE /{Type}/{id}: 204; 412 when {@code ifMatch} does not match. */
  public ScimResponse delete(ResourceType type, String id, @Nullable String ifMatch) {
    throw new UnsupportedOperationException("TODO");
  }

  /**
   * GET /{Type} or POST /{Type}/.search with {@code type}; GET / or POST /.search across every
   * type with {@code type == null}. 200 with a ListResponse.
   */
  public ScimResponse list(@Nullable ResourceType type, ListParams params, String base) {
    throw new UnsupportedOperationException("TODO");
  }

  /** POST /Bulk (RFC 7644 §3.7): 200 with a BulkResponse. */
  public ScimResponse bulk(JsonNode body, String base) {
    throw new UnsupportedOperationException("TODO");
  }
}
