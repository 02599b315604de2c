package io.scimd.server.service;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.Schema;
import io.scimd.core.schema.SchemaJson;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.core.schema.SchemaUrns;
import io.scimd.server.limits.Rate;
import java.util.List;

/**
 * The discovery documents of RFC 7644 §4, generated from the one {@link SchemaRegistry} and {@link
 * ServiceConfig} the service enforces, so that what is published is what is done. {@link
 * ScimService} answers them and refuses a filter on them.
 */
final class Discovery {
  /** RFC 9865 §4 {@code cursorTimeout}, in seconds. */
  static final int CURSOR_TIMEOUT_SECONDS = 600;

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private final SchemaRegistry registry;
  private final ServiceConfig config;

  Discovery(SchemaRegistry registry, ServiceConfig config) {
    this.registry = registry;
    this.config = config;
  }

  /** RFC 7643 §5, plus RFC 9865 §4's {@code pagination}. */
  ObjectNode serviceProviderConfig(String base) {
    ObjectNode o = F.objectNode();
    o.putArray("schemas").add(SchemaUrns.SERVICE_PROVIDER_CONFIG).add(ServiceConfig.LIMITS);
    o.putObject("patch").put("supported", true);
    o.putObject("bulk")
        .put("supported", true)
        .put("maxOperations", config.bulkMaxOperations())
        .put("maxPayloadSize", config.maxPayloadSize());
    o.putObject("filter").put("supported", true).put("maxResults", config.maxPageSize());
    o.putObject("changePassword").put("supported", false);
    o.putObject("sort").put("supported", true);
    o.putObject("etag").put("supported", true);
    // RFC 9967 §4: the events scimd transmits, through OpenID Shared Signals streams
    // (/.well-known/ssf-configuration); requests are never completed asynchronously.
    ObjectNode events = o.putObject("securityEvents");
    events.put("asyncRequest", "none");
    ArrayNode uris = events.putArray("eventUris");
    io.scimd.sync.events.EventSelection.supported().forEach(uris::add);
    ArrayNode schemes = o.putArray("authenticationSchemes");
    schemes
        .addObject()
        .put("type", "oauthbearertoken")
        .put("name", "OAuth Bearer Token")
        .put(
            "description",
            "Authentication with a bearer token (RFC 6750): a token scimd issued to the client,"
                + " or an access token from POST /oauth/token")
        .put("specUri", "https://www.rfc-editor.org/info/rfc6750")
        .put("primary", true);
    schemes
        .addObject()
        .put("type", "oauth2")
        .put("name", "OAuth 2.0 Client Credentials")
        .put(
            "description",
            "Access tokens from POST /oauth/token (grant client_credentials; client_secret_basic,"
                + " client_secret_post or private_key_jwt), metadata at"
                + " /.well-known/oauth-authorization-server, keys at /oauth/jwks; also access"
                + " tokens of the external issuers the operator trusts")
        .put("specUri", "https://www.rfc-editor.org/info/rfc6749")
        .put("primary", false);
    o.putObject("pagination")
        .put("cursor", true)
        .put("index", true)
        .put("defaultPaginationMethod", "index")
        .put("defaultPageSize", config.defaultPageSize())
        .put("maxPageSize", config.maxPageSize())
        .put("cursorTimeout", CURSOR_TIMEOUT_SECONDS);
    ObjectNode limits = o.putObject(ServiceConfig.LIMITS);
    limits.put("maxPayloadSize", config.maxPayloadSize());
    limits.put("maxFilterLength", config.maxFilterLength());
    limits.put("maxFilterDepth", config.maxFilterDepth());
    limits.put("maxPatchOperations", config.maxPatchOperations());
    Rate rate = config.rateLimit();
    if (rate.on()) {
      limits
          .putObject("rateLimit")
          .put("requestsPerSecond", rate.perSecond())
          .put("burst", rate.burst())
          .put("per", "client");
    }
    ObjectNode meta = o.putObject("meta");
    meta.put("resourceType", "ServiceProviderConfig");
    meta.put("location", base + "/ServiceProviderConfig");
    return o;
  }

  ObjectNode schemas(String base) {
    List<ObjectNode> all =
        registry.schemas().stream().map(s -> SchemaJson.toJson(s, base)).toList();
    return listResponse(all);
  }

  ObjectNode schema(String urn, String base) {
    Schema s =
        registry
            .schema(urn)
            .orElseThrow(
                () -> ScimException.notFound("no schema " + urn + "; GET /Schemas lists them"));
    return SchemaJson.toJson(s, base);
  }

  ObjectNode resourceTypes(String base) {
    List<ObjectNode> all =
        registry.resourceTypes().stream().map(t -> SchemaJson.toJson(t, base)).toList();
    return listResponse(all);
  }

  ObjectNode resourceType(String name, String base) {
    ResourceType t =
        registry
            .resourceType(name)
            .orElseThrow(
                () ->
                    ScimException.notFound(
                        "no resource type " + name + "; GET /ResourceTypes lists them"));
    return SchemaJson.toJson(t, base);
  }

  private static ObjectNode listResponse(List<ObjectNode> items) {
    ObjectNode o = F.objectNode();
    o.putArray("schemas").add(SchemaUrns.LIST_RESPONSE);
    o.put("totalResults", items.size());
    o.put("itemsPerPage", items.size());
    o.put("startIndex", 1);
    ArrayNode r = o.putArray("Resources");
    items.forEach(r::add);
    return o;
  }
}
