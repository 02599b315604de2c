package io.scimd.server.http;

import io.scimd.core.error.ScimException;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.SchemaRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Maps a raw request path to a {@link Route}. The SCIM endpoints are mounted twice: at {@code
 * /scim/v2} for the tenant of the request's credential, and at {@code /tenants/{tenant}/scim/v2},
 * which {@link BearerAuth} serves only to a credential of that tenant. The fixed names ({@code
 * Bulk}, {@code Schemas}...) and resource type endpoints match in any case; a trailing slash is
 * tolerated. Path segments are percent-decoded strictly as UTF-8: a bad escape is a 400, never a
 * guess. The tenant segment is matched as written: tenant names need no escaping.
 */
final class Routes {
  static final String PREFIX = "/scim/v2";

  /** Where the per-tenant mounts live: {@code /tenants/{tenant}/scim/v2}. */
  static final String TENANTS = "/tenants";

  private Routes() {}

  /**
   * The raw path of the SCIM mount a request path is under: {@link #PREFIX}, or {@code
   * /tenants/{tenant}/scim/v2}; empty when it is under neither. What {@code meta.location} and
   * {@code Location} are built on, so that they name the mount the client used.
   */
  static Optional<String> mount(String rawPath) {
    if (rawPath.equals(PREFIX) || rawPath.startsWith(PREFIX + "/")) {
      return Optional.of(PREFIX);
    }
    String tenant = tenantOf(rawPath);
    if (tenant == null || tenant.isEmpty()) {
      return Optional.empty();
    }
    String prefix = TENANTS + "/" + tenant + PREFIX;
    return rawPath.equals(prefix) || rawPath.startsWith(prefix + "/")
        ? Optional.of(prefix)
        : Optional.empty();
  }

  /**
   * The tenant segment of a path under {@code /tenants/}, as written ({@code ""} for {@code
   * /tenants} itself); null for any other path.
   */
  static @Nullable String tenantOf(String rawPath) {
    if (!rawPath.equals(TENANTS) && !rawPath.startsWith(TENANTS + "/")) {
      return null;
    }
    String rest = rawPath.substring(Math.min(rawPath.length(), TENANTS.length() + 1));
    int slash = rest.indexOf('/');
    return slash < 0 ? rest : rest.substring(0, slash);
  }

  /** Where the admin API lives: {@code /admin/v1/...}. */
  static final String ADMIN = "/admin";

  static boolean isAdmin(String rawPath) {
    return rawPath.equals(ADMIN) || rawPath.startsWith(ADMIN + "/");
  }

  static Route parse(String rawPath, SchemaRegistry registry) {
    if (rawPath.equals("/health") || rawPath.equals("/health/")) {
      return new Route.Health();
    }
    Optional<List<String>> maybe = scimSegments(rawPath);
    if (maybe.isEmpty()) {
      return new Route.NotFound(rawPath);
    }
    List<String> s = maybe.get();
    if (s.isEmpty()) {
      return new Route.Root();
    }
    String first = s.get(0);
    if (s.size() == 1 && first.equals(".search")) {
      return new Route.RootSearch();
    }
    if (first.equalsIgnoreCase("Me")) {
      return new Route.Me();
    }
    if (s.size() == 1 && first.equalsIgnoreCase("Bulk")) {
      return new Route.Bulk();
    }
    if (s.size() == 1 && first.equalsIgnoreCase("ServiceProviderConfig")) {
      return new Route.ServiceProviderConfig();
    }
    if (first.equalsIgnoreCase("ResourceTypes") && s.size() <= 2) {
      return new Route.ResourceTypes(s.size() == 2 ? s.get(1) : null);
    }
    if (first.equalsIgnoreCase("Schemas") && s.size() <= 2) {
      return new Route.Schemas(s.size() == 2 ? s.get(1) : null);
    }
    Optional<ResourceType> type = first.isEmpty() ? Optional.empty() : registry.byEndpoint(first);
    if (type.isEmpty() || s.size() > 2) {
      return new Route.NotFound(rawPath);
    }
    if (s.size() == 1) {
      return new Route.Collection(type.get());
    }
    String second = s.get(1);
    if (second.equals(".search")) {
      return new Route.Search(type.get());
    }
    if (second.isEmpty()) {
      return new Route.NotFound(rawPath);
    }
    return new Route.Resource(type.get(), second);
  }

  /**
   * Everything under {@code /scim/v2} needs a bearer token except the discovery endpoints (RFC 7644
   * §4: clients read them before authenticating). A path that does not decode stays protected: the
   * unauthenticated learn nothing, not even that it is malformed. Everything under {@code
   * /tenants/} needs one, discovery included: whether a tenant exists is no one's business but its
   * own clients' (and a tenant may come to have its own schemas). So does the security event
   * transmitter's configuration, which names a tenant.
   */
  static boolean needsAuthentication(String rawPath) {
    if (tenantOf(rawPath) != null
        || isAdmin(rawPath)
        || SsfHandler.serves(rawPath)
        || AccessHandler.isApi(rawPath)) {
      return true;
    }
    Optional<List<String>> s;
    try {
      s = scimSegments(rawPath);
    } catch (ScimException e) {
      return rawPath.startsWith(PREFIX + "/") || rawPath.equals(PREFIX);
    }
    if (s.isEmpty()) {
      return false;
    }
    List<String> seg = s.get();
    if (seg.isEmpty() || seg.size() > 2) {
      return true;
    }
    String first = seg.get(0);
    return !(first.equalsIgnoreCase("ServiceProviderConfig") && seg.size() == 1
        || first.equalsIgnoreCase("ResourceTypes")
        || first.equalsIgnoreCase("Schemas"));
  }

  /**
   * The decoded segments after the SCIM mount ({@link #mount}), or empty when the path is under
   * none.
   */
  private static Optional<List<String>> scimSegments(String rawPath) {
    Optional<String> mount = mount(rawPath);
    if (mount.isEmpty()) {
      return Optional.empty();
    }
    String rest = rawPath.substring(mount.get().length());
    if (rest.startsWith("/")) {
      rest = rest.substring(1);
    }
    if (rest.endsWith("/")) {
      rest = rest.substring(0, rest.length() - 1);
    }
    List<String> out = new ArrayList<>();
    if (rest.isEmpty()) {
      return Optional.of(out);
    }
    for (String raw : rest.split("/", -1)) {
      out.add(decode(raw));
    }
    return Optional.of(out);
  }

  /** Strict percent-decoding of one path segment as UTF-8 ({@code +} stays a plus in paths). */
  static String decode(String raw) {
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length()) {
          throw ScimException.badRequest("the request path has an incomplete percent-escape");
        }
        int hi = Character.digit(raw.charAt(i + 1), 16);
        int lo = Character.digit(raw.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw ScimException.badRequest("the request path has an invalid percent-escape");
        }
        bytes.write(hi * 16 + lo);
        i += 2;
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        bytes.write(b, 0, b.length);
      }
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      throw ScimException.badRequest("the request path is not percent-encoded UTF-8");
    }
  }
}
