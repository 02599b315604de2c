package io.scimd.store;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Who acts, for which tenant: what every {@link Store#read} and {@link Store#write} runs under. The
 * authentication layer establishes it once per request; the store confines every statement to
 * {@link #tenant} and records {@link #principal}, {@link #source} and {@link #requestId} with each
 * change it journals ({@link JournalEntry}).
 *
 * @param tenant the directory the work is confined to
 * @param principal the client that acts (whose credential authenticated), or the system itself
 * @param source the client's network address as the server saw it; null when there is none (CLI)
 * @param requestId the request this work belongs to (the {@code X-Request-Id} the client sent or
 *     the server made up), so that a journal entry leads back to the access log line
 */
public record Scope(String tenant, Principal principal, @Nullable String source, String requestId) {
  /**
   * The tenant that always exists: a single-tenant installation's, and the bootstrap credential's
   * ({@link Tenants}).
   */
  public static final String DEFAULT_TENANT = "default";

  public Scope {
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(principal, "principal");
    Objects.requireNonNull(requestId, "requestId");
    if (tenant.isEmpty()) {
      throw new IllegalArgumentException("a scope needs a tenant");
    }
  }

  /**
   * The scope of work the server does on its own account (start-up, the CLI, tests), in {@code
   * tenant}: principal {@code system:<name>}, no source address.
   */
  public static Scope system(String tenant, String name) {
    return new Scope(tenant, Principal.system(name), null, "system-" + name);
  }

  /**
   * The actor of a scope: a kind ({@code client} for a client that authenticated with one of its
   * credentials, {@code system} for the server itself), that kind's id, and a name for people.
   */
  public record Principal(String kind, String id, String name) {
    public Principal {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(name, "name");
    }

    /**
     * A client ({@code Credentials.Client}) that authenticated with one of its credentials. Before
     * clients existed the journal named the credential ({@code credential:<id>}); each such
     * credential became a client with the same id.
     */
    public static Principal client(String id, String name) {
      return new Principal("client", id, name);
    }

    public static Principal system(String name) {
      return new Principal("system", name, name);
    }

    /** {@code kind:id}, the form the journal stores. */
    @Override
    public String toString() {
      return kind + ":" + id;
    }
  }
}
