package io.scimd.server.http;

import io.scimd.core.schema.SchemaRegistry;
import java.util.Set;

/**
 * The route template of a request path, for metric labels and the access log: {@code
 * /scim/v2/Users/{id}}, {@code /tenants/{tenant}/scim/v2/Groups}, {@code
 * /admin/v1/clients/{name}/tokens}. Never a raw id or name: a label's values must not grow with
 * what clients send. Outside the SCIM mounts a segment is kept only when it is one of the words of
 * scimd's own endpoints, else it becomes {@code {}}; a path under none of scimd's roots, or deeper
 * than any endpoint, is {@code unmatched}.
 */
final class RouteTemplates {
  private RouteTemplates() {}

  private static final int MAX_SEGMENTS = 8;

  /** The words of the non-SCIM endpoints' paths. */
  private static final Set<String> WORDS =
      Set.of(
          "admin",
          "v1",
          "clients",
          "tokens",
          "audit",
          "targets",
          "applications",
          "roles",
          "rules",
          "pause",
          "resume",
          "approve",
          "rewind",
          "reconcile",
          "preview",
          "dead-letters",
          "replay",
          "rotate",
          "secret",
          "secrets",
          "export",
          "verify",
          "checkpoints",
          "history",
          "review",
          "leavers",
          "access",
          "evaluation",
          "evaluations",
          "search",
          "subject",
          "resource",
          "action",
          "claims",
          "hooks",
          "okta",
          "entra",
          "ssf",
          "streams",
          "status",
          "poll",
          "subjects:add",
          "subjects:remove",
          "oauth",
          "token",
          "jwks",
          ".well-known",
          "oauth-authorization-server",
          "ssf-configuration",
          "authzen-configuration",
          "health",
          "live",
          "ready",
          "metrics",
          "agents",
          "owners",
          "console",
          "signin",
          "signout",
          "users",
          "groups",
          "assets");

  private static final Set<String> ROOTS =
      Set.of(
          "scim",
          "tenants",
          "admin",
          "access",
          "oauth",
          ".well-known",
          "health",
          "metrics",
          "console");

  static String of(String rawPath, SchemaRegistry registry) {
    try {
      return template(rawPath, registry);
    } catch (RuntimeException e) {
      return "unmatched"; // a path that does not even decode
    }
  }

  private static String template(String rawPath, SchemaRegistry registry) {
    String tenant = Routes.tenantOf(rawPath);
    String prefix = "";
    String rest = rawPath;
    if (tenant != null && !tenant.isEmpty()) {
      prefix = Routes.TENANTS + "/{tenant}";
      rest = rawPath.substring(Routes.TENANTS.length() + 1 + tenant.length());
    }
    if (Routes.mount(rawPath).isPresent()) {
      return prefix + scim(Routes.parse(rawPath, registry));
    }
    String[] segments = rest.split("/", -1);
    if (segments.length < 2 || segments.length > MAX_SEGMENTS + 1 || !ROOTS.contains(segments[1])) {
      return "unmatched";
    }
    StringBuilder out = new StringBuilder(prefix);
    for (int i = 1; i < segments.length; i++) {
      String s = segments[i];
      if (s.isEmpty() && i == segments.length - 1) {
        break; // a trailing slash
      }
      out.append('/').append(WORDS.contains(s) ? s : "{}");
    }
    return out.toString();
  }

  private static String scim(Route route) {
    String p = Routes.PREFIX;
    return switch (route) {
      case Route.Health h -> "/health";
      case Route.Root r -> p;
      case Route.RootSearch r -> p + "/.search";
      case Route.Bulk b -> p + "/Bulk";
      case Route.Me m -> p + "/Me";
      case Route.ServiceProviderConfig c -> p + "/ServiceProviderConfig";
      case Route.ResourceTypes t -> p + "/ResourceTypes" + (t.name() == null ? "" : "/{name}");
      case Route.Schemas s -> p + "/Schemas" + (s.urn() == null ? "" : "/{urn}");
      case Route.Collection c -> p + "/" + c.type().endpoint().substring(1);
      case Route.Search s -> p + "/" + s.type().endpoint().substring(1) + "/.search";
      case Route.Resource r -> p + "/" + r.type().endpoint().substring(1) + "/{id}";
      case Route.NotFound n -> "unmatched";
    };
  }
}
