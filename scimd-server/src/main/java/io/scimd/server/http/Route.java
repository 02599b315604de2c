package io.scimd.server.http;

import io.scimd.core.schema.ResourceType;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Where a request path leads, and which methods that place accepts (for 405's {@code Allow}). */
sealed interface Route {
  Set<String> methods();

  record Health() implements Route {
    public Set<String> methods() {
      return Set.of("GET");
    }
  }

  /** {@code GET /}: every resource of every type (RFC 7644 §3.4.2.1). */
  record Root() implements Route {
    public Set<String> methods() {
      return Set.of("GET");
    }
  }

  /** {@code POST /.search} across every type (RFC 7644 §3.4.3). */
  record RootSearch() implements Route {
    public Set<String> methods() {
      return Set.of("POST");
    }
  }

  record Bulk() implements Route {
    public Set<String> methods() {
      return Set.of("POST");
    }
  }

  /** {@code /Me} (RFC 7644 §3.11), any method. */
  record Me() implements Route {
    public Set<String> methods() {
      return Set.of("GET", "POST", "PUT", "PATCH", "DELETE");
    }
  }

  record ServiceProviderConfig() implements Route {
    public Set<String> methods() {
      return Set.of("GET");
    }
  }

  record ResourceTypes(@Nullable String name) implements Route {
    public Set<String> methods() {
      return Set.of("GET");
    }
  }

  record Schemas(@Nullable String urn) implements Route {
    public Set<String> methods() {
      return Set.of("GET");
    }
  }

  record Collection(ResourceType type) implements Route {
    public Set<String> methods() {
      return Set.of("GET", "POST");
    }
  }

  record Search(ResourceType type) implements Route {
    public Set<String> methods() {
      return Set.of("POST");
    }
  }

  record Resource(ResourceType type, String id) implements Route {
    public Set<String> methods() {
      return Set.of("GET", "PUT", "PATCH", "DELETE");
    }
  }

  record NotFound(String path) implements Route {
    public Set<String> methods() {
      return Set.of();
    }
  }
}
