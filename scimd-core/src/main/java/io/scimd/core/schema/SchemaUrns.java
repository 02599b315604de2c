package io.scimd.core.schema;

/** The URNs of RFC 7643 and RFC 7644 that code refers to by name. */
public final class SchemaUrns {
  public static final String USER = "urn:ietf:params:scim:schemas:core:2.0:User";
  public static final String GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";

  /**
   * The Agent resource's core schema, as draft-wzdk-scim-agent-resource-00 and
   * draft-abbey-scim-agent-extension-00 both name it (docs/decisions/0020-agents.md).
   */
  public static final String AGENT = "urn:ietf:params:scim:schemas:core:2.0:Agent";

  public static final String ENTERPRISE_USER =
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
  public static final String SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema";
  public static final String RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
  public static final String SERVICE_PROVIDER_CONFIG =
      "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
  public static final String LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
  public static final String SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
  public static final String PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
  public static final String BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
  public static final String BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";
  public static final String ERROR = "urn:ietf:params:scim:api:messages:2.0:Error";

  private SchemaUrns() {}
}
