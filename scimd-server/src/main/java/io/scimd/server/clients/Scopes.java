package io.scimd.server.clients;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * What a client may do, as OAuth scopes (docs/decisions/0014-clients-and-tokens.md):
 *
 * <ul>
 *   <li>{@code scim:read}: read every resource type (GET, list, search); {@code scim:read:User}
 *       only that resource type (the name in {@code /ResourceTypes}).
 *   <li>{@code scim:write}: create, replace, patch and delete every resource type, and read the
 *       result of its own write; {@code scim:write:Group} only that type. Writing does not grant
 *       reading: an IdP that looks users up before creating them needs both.
 *   <li>{@code admin}: the admin API of its tenant ({@code /admin/v1}): clients, tokens, the audit
 *       trail; and everything {@code events} allows.
 *   <li>{@code events}: the security event streams of its tenant (OpenID Shared Signals: the
 *       transmitter configuration, stream management, polling), and nothing else: a SIEM or a
 *       receiving application reads every change as events without being able to read or write
 *       resources (docs/decisions/0019-security-events.md).
 *   <li>{@code access}: access decisions (OpenID AuthZEN), claims and the token hooks of its tenant
 *       (docs/decisions/0021-access-model.md), and nothing else.
 *   <li>{@code metrics}: {@code GET /metrics}, the Prometheus figures of the node, and nothing else
 *       (docs/decisions/0023-observability.md); {@code admin} reads them too.
 *   <li>{@code agent:<agent>}: an agent's own credential: decisions, action search and claims about
 *       that agent (its id or {@code agentUserName}) only, as an AI agent asks what it may do.
 * </ul>
 */
public final class Scopes {
  public static final String READ = "scim:read";
  public static final String WRITE = "scim:write";
  public static final String ADMIN = "admin";
  public static final String EVENTS = "events";
  public static final String ACCESS = "access";

  /** Reading {@code /metrics}, and nothing else: what a Prometheus server is given. */
  public static final String METRICS = "metrics";

  /** What a client gets when none are named: everything an IdP needs to provision. */
  public static final Set<String> PROVISIONING = Set.of(READ, WRITE);

  /** Everything, {@code admin} included: the bootstrap client's. */
  public static final Set<String> ALL = Set.of(READ, WRITE, ADMIN, EVENTS, ACCESS);

  private static final Pattern SCOPE =
      Pattern.compile(
          "admin|events|access|metrics|agent:[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}"
              + "|scim:(read|write)(:[A-Za-z][A-Za-z0-9_.-]{0,63})?");

  /** The prefix of the scope that makes a client an agent's own credential. */
  public static final String AGENT = "agent:";

  private Scopes() {}

  /**
   * The scopes named in {@code values}, each one or several separated by spaces or commas.
   *
   * @throws IllegalArgumentException naming the first unknown scope and the valid ones
   */
  public static Set<String> parse(Collection<String> values) {
    Set<String> out = new LinkedHashSet<>();
    for (String v : values) {
      for (String s : v.trim().split("[\\s,]+")) {
        if (s.isEmpty()) {
          continue;
        }
        if (!SCOPE.matcher(s).matches()) {
          throw new IllegalArgumentException(
              "unknown scope '"
                  + (s.length() > 70 ? s.substring(0, 70) + "..." : s)
                  + "': use scim:read, scim:write, scim:read:<ResourceType>,"
                  + " scim:write:<ResourceType>, events, access, metrics, agent:<agent> or admin");
        }
        out.add(s);
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("a client needs at least one scope");
    }
    return out;
  }

  /** Whether {@code scopes} allow reading resources of {@code type}. */
  public static boolean canRead(Set<String> scopes, String type) {
    return scopes.contains(READ) || scopes.contains(READ + ":" + type);
  }

  /** Whether {@code scopes} allow reading every resource type (a query across all types). */
  public static boolean canReadAll(Set<String> scopes) {
    return scopes.contains(READ);
  }

  /** Whether {@code scopes} allow writing resources of {@code type}. */
  public static boolean canWrite(Set<String> scopes, String type) {
    return scopes.contains(WRITE) || scopes.contains(WRITE + ":" + type);
  }

  /** Whether {@code scopes} allow managing and reading the tenant's security event streams. */
  public static boolean canReceiveEvents(Set<String> scopes) {
    return scopes.contains(EVENTS) || scopes.contains(ADMIN);
  }

  /**
   * Whether {@code scopes} allow asking for access decisions, claims and token hooks (AuthZEN): a
   * gateway or an OIDC provider, which reads who may do what without reading or writing resources.
   */
  public static boolean canDecide(Set<String> scopes) {
    return scopes.contains(ACCESS) || scopes.contains(ADMIN) || agentOf(scopes) != null;
  }

  /**
   * The agent whose own credential a client is ({@code agent:<id or agentUserName>}), when that is
   * all it may decide about: null for a client with {@code access} or {@code admin}, which may ask
   * about anyone.
   */
  public static @Nullable String agentOf(Set<String> scopes) {
    if (scopes.contains(ACCESS) || scopes.contains(ADMIN)) {
      return null;
    }
    for (String s : scopes) {
      if (s.startsWith(AGENT)) {
        return s.substring(AGENT.length());
      }
    }
    return null;
  }

  public static boolean canAdminister(Set<String> scopes) {
    return scopes.contains(ADMIN);
  }
}
