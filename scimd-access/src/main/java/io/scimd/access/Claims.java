package io.scimd.access;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Claims for tokens: per application, a document shaped like OIDC UserInfo ({@code sub}, {@code
 * email}, {@code name}, the {@code groups} that matter to that application and the {@code roles}
 * held in it, under the application's claim names), so a token carries what the application needs
 * and never the hundreds of groups that make IdP group claims overflow. And the two token
 * enrichment hooks in the wild, answered in their own documented shapes: Okta's token inline hook
 * and Microsoft Entra ID's custom claims provider (OnTokenIssuanceStart).
 *
 * <p>A subject scimd does not know, or that holds nothing (deactivated, an agent without an active
 * owner), gets empty groups and roles: the hook answers, so the login goes on, with no access.
 */
public final class Claims {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private Claims() {}

  /** The claims document of one subject in one application. */
  public static ObjectNode document(Entitlements held) {
    Application.ClaimNames n = held.application().claims();
    Identity s = held.subject();
    ObjectNode out = NODES.objectNode();
    out.put(n.sub(), s.id());
    String email = s.email();
    if (email != null) {
      out.put(n.email(), email);
    }
    out.put(n.name(), s.display());
    ArrayNode groups = out.putArray(n.groups());
    if (held.denial() == null) {
      held.groups().forEach(groups::add);
    }
    ArrayNode roles = out.putArray(n.roles());
    new TreeSet<>(held.roles().keySet()).forEach(roles::add);
    return out;
  }

  /**
   * {@code GET /access/v1/claims?application=..&subject=..}: the claims document.
   *
   * @throws AccessException 404 for an unknown application or subject
   */
  public static ObjectNode of(
      Directory directory, String application, Identity.Kind kind, String subject) {
    Application app =
        directory
            .application(application)
            .orElseThrow(
                () -> AccessException.notFound("there is no application '" + application + "'"));
    Identity who =
        directory
            .subject(kind, subject)
            .orElseThrow(
                () ->
                    AccessException.notFound("there is no " + kind.wire() + " '" + subject + "'"));
    return document(Entitlements.of(who, app, directory));
  }

  /**
   * Okta's token inline hook ({@code com.okta.oauth2.tokens.transform}): adds the application's
   * groups and roles claims to each token the request carries ({@code data.identity}, {@code
   * data.access}). The user is found by {@code data.context.user.profile.login}, else by Okta's id
   * (which Okta provisions as the SCIM {@code externalId}).
   */
  public static ObjectNode okta(Directory directory, String application, JsonNode request) {
    Application app = app(directory, application);
    JsonNode data = request.path("data");
    if (!data.isObject()) {
      throw AccessException.invalid(
          "data: an Okta token inline hook request (eventType com.okta.oauth2.tokens.transform)");
    }
    JsonNode user = data.path("context").path("user");
    Entitlements held =
        find(
            directory,
            app,
            user.path("profile").path("login").asText(null),
            user.path("id").asText(null));
    ObjectNode claims = held == null ? empty(app) : document(held);
    ObjectNode out = NODES.objectNode();
    ArrayNode commands = out.putArray("commands");
    for (String token : List.of("identity", "access")) {
      if (!data.has(token)) {
        continue;
      }
      ObjectNode command = commands.addObject();
      command.put("type", "com.okta." + token + ".patch");
      ArrayNode ops = command.putArray("value");
      for (String name : List.of(app.claims().groups(), app.claims().roles())) {
        ops.addObject()
            .put("op", "add")
            .put("path", "/claims/" + name)
            .set("value", claims.get(name));
      }
    }
    return out;
  }

  /**
   * Entra ID's custom claims provider ({@code microsoft.graph.authenticationEvent
   * .tokenIssuanceStart}): the groups and roles claims, as string arrays (the only values Entra
   * takes besides strings). The user is found by {@code userPrincipalName}, else {@code mail}, else
   * Entra's object id (which Entra provisions as the SCIM {@code externalId}).
   */
  public static ObjectNode entra(Directory directory, String application, JsonNode request) {
    Application app = app(directory, application);
    JsonNode user = request.path("data").path("authenticationContext").path("user");
    if (!user.isObject()) {
      throw AccessException.invalid(
          "data.authenticationContext.user: an Entra ID tokenIssuanceStart request");
    }
    Entitlements held =
        find(
            directory,
            app,
            user.path("userPrincipalName").asText(null),
            user.path("mail").asText(null),
            user.path("id").asText(null));
    ObjectNode claims = held == null ? empty(app) : document(held);
    ObjectNode out = NODES.objectNode();
    ObjectNode data = out.putObject("data");
    data.put("@odata.type", "microsoft.graph.onTokenIssuanceStartResponseData");
    ObjectNode action = data.putArray("actions").addObject();
    action.put("@odata.type", "microsoft.graph.tokenIssuanceStart.provideClaimsForToken");
    ObjectNode c = action.putObject("claims");
    c.set(app.claims().groups(), claims.get(app.claims().groups()));
    c.set(app.claims().roles(), claims.get(app.claims().roles()));
    return out;
  }

  private static Application app(Directory directory, String application) {
    return directory
        .application(application)
        .orElseThrow(
            () -> AccessException.notFound("there is no application '" + application + "'"));
  }

  /** The first key that finds a user; null when none does. */
  private static @Nullable Entitlements find(
      Directory directory, Application app, @Nullable String... keys) {
    for (String key : keys) {
      if (key == null || key.isBlank()) {
        continue;
      }
      Optional<Identity> who = directory.subject(Identity.Kind.USER, key);
      if (who.isPresent()) {
        return Entitlements.of(who.get(), app, directory);
      }
    }
    return null;
  }

  private static ObjectNode empty(Application app) {
    ObjectNode out = NODES.objectNode();
    out.putArray(app.claims().groups());
    out.putArray(app.claims().roles());
    return out;
  }
}
