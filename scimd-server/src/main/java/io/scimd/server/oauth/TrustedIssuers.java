package io.scimd.server.oauth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scimd.store.Scope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the external issuers scimd trusts from a JSON file ({@code --oauth-trust FILE}):
 *
 * <pre>
 * [{"issuer": "https://login.microsoftonline.com/TENANT-ID/v2.0",
 *   "audience": "api://scimd",
 *   "jwks": "https://login.microsoftonline.com/TENANT-ID/discovery/v2.0/keys",
 *   "clientClaim": "azp",
 *   "tenant": "default"}]
 * </pre>
 *
 * {@code jwks} is a URL or a file path; {@code clientClaim} (default {@code azp}) names the claim
 * whose value is the id or name of the scimd client the token acts as, in {@code tenant} (default
 * {@code default}).
 */
public final class TrustedIssuers {
  private TrustedIssuers() {}

  /**
   * @throws IllegalArgumentException naming the file and what is wrong in it
   */
  public static List<OAuthSettings.TrustedIssuer> read(Path file) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(Files.readString(file));
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read the trusted issuers in " + file + ": " + e.getMessage(), e);
    }
    if (root == null || !root.isArray()) {
      throw new IllegalArgumentException(file + " must hold a JSON array of trusted issuers");
    }
    List<OAuthSettings.TrustedIssuer> out = new ArrayList<>();
    for (JsonNode n : root) {
      String issuer = text(file, n, "issuer", null);
      Path base = java.util.Objects.requireNonNull(file.toAbsolutePath().getParent());
      String jwks = text(file, n, "jwks", null);
      if (!jwks.startsWith("https://") && !jwks.startsWith("http://")) {
        jwks = base.resolve(jwks).toString();
      }
      out.add(
          new OAuthSettings.TrustedIssuer(
              issuer,
              text(file, n, "audience", null),
              jwks,
              text(file, n, "clientClaim", "azp"),
              text(file, n, "tenant", Scope.DEFAULT_TENANT)));
    }
    return out;
  }

  private static String text(
      Path file, JsonNode n, String field, @org.jspecify.annotations.Nullable String fallback) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      if (fallback == null) {
        throw new IllegalArgumentException(
            "a trusted issuer in " + file + " has no \"" + field + "\"");
      }
      return fallback;
    }
    if (!v.isTextual() || v.asText().isBlank()) {
      throw new IllegalArgumentException(
          "\"" + field + "\" of a trusted issuer in " + file + " must be a non-empty string");
    }
    return v.asText();
  }
}
