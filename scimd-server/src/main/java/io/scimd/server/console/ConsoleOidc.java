package io.scimd.server.console;

import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * How people sign in to the console through the company's OpenID Connect provider
 * (docs/decisions/0031-console-oidc.md): the authorization code flow with PKCE, and who of those
 * the provider vouches for is an administrator.
 *
 * @param issuer the provider's issuer URL; its {@code /.well-known/openid-configuration} names the
 *     endpoints and keys
 * @param clientId scimd's client id at the provider
 * @param clientSecret its secret ({@code client_secret_basic}), or null for a public client that
 *     proves itself with PKCE alone
 * @param admins the people who may sign in, by {@code email} (only when the ID token's {@code
 *     email_verified} is true; ASCII case ignored) or {@code sub}
 * @param adminGroup a value of the ID token's {@code groups} claim that makes its bearer an
 *     administrator, or null
 * @param redirectBase the URL the browser reaches scimd at ({@code --oauth-issuer}), to which
 *     {@code /console/oidc/callback} is appended; null: the URL of the request that started the
 *     sign-in
 */
public record ConsoleOidc(
    String issuer,
    String clientId,
    @Nullable String clientSecret,
    List<String> admins,
    @Nullable String adminGroup,
    @Nullable String redirectBase) {

  /**
   * @throws IllegalArgumentException with a message for the operator when the settings are unusable
   *     (never showing the secret)
   */
  public ConsoleOidc {
    admins = admins.stream().map(String::strip).filter(a -> !a.isEmpty()).distinct().toList();
    if (!issuer.matches("https?://[^\\s?#]+")) {
      throw new IllegalArgumentException(
          "--console-oidc-issuer must be an http(s) URL without query or fragment, not " + issuer);
    }
    if (clientId.isBlank()) {
      throw new IllegalArgumentException("--console-oidc-client-id must not be empty");
    }
    if (clientSecret != null && clientSecret.isBlank()) {
      throw new IllegalArgumentException(
          "SCIMD_CONSOLE_OIDC_CLIENT_SECRET is empty; leave it unset for a public client");
    }
    if (adminGroup != null && adminGroup.isBlank()) {
      adminGroup = null;
    }
    if (admins.isEmpty() && adminGroup == null) {
      throw new IllegalArgumentException(
          "--console-oidc-issuer needs --console-oidc-admins or --console-oidc-admin-group:"
              + " without either, nobody could sign in through it");
    }
  }

  /** The name the sign-in button shows: the issuer's host. */
  String displayName() {
    String rest = issuer.substring(issuer.indexOf("://") + 3);
    int slash = rest.indexOf('/');
    return (slash < 0 ? rest : rest.substring(0, slash)).toLowerCase(Locale.ROOT);
  }

  @Override
  public String toString() {
    // The record's own toString would print the secret.
    return "ConsoleOidc[issuer="
        + issuer
        + ", clientId="
        + clientId
        + ", clientSecret="
        + (clientSecret == null ? "none" : "(set)")
        + ", admins="
        + admins
        + ", adminGroup="
        + adminGroup
        + "]";
  }
}
