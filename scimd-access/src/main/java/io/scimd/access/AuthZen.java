package io.scimd.access;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The OpenID AuthZEN Authorization API 1.0 over a {@link Directory}: evaluation, batch evaluations
 * with their three semantics, subject/resource/action search with paging, and the discovery
 * document. JSON in, JSON out; the HTTP layer only reads the body and writes the answer.
 *
 * <p>The model as AuthZEN sees it: a subject is {@code {"type": "user"|"agent", "id": ...}}, the id
 * being the SCIM id, userName (an agent's agentUserName), externalId or a user's email; a resource
 * is an application {@code {"type": "application", "id": "ci"}} or an object in one {@code {"type":
 * "repository", "id": "web", "properties": {"application": "ci"}}}; an action names a role or a
 * permission. A decision's {@code context} says why: {@code reason_admin} in English, and for a
 * permit the grants (role, rule, group) behind it.
 */
public final class AuthZen {
  /** The resource type that names an application itself. */
  public static final String APPLICATION = "application";

  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1_000;
  static final int MAX_EVALUATIONS = 1_000;

  /** The most candidates a subject search examines. */
  static final int MAX_CANDIDATES = 100_000;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private AuthZen() {}

  /** {@code POST /access/v1/evaluation}. */
  public static ObjectNode evaluation(Directory directory, JsonNode body) {
    ObjectNode req = object(body, "the request");
    return decide(directory, req.get("subject"), req.get("action"), req.get("resource"));
  }

  /** {@code POST /access/v1/evaluations}. */
  public static ObjectNode evaluations(Directory directory, JsonNode body) {
    ObjectNode req = object(body, "the request");
    JsonNode items = req.get("evaluations");
    if (items == null || items.isNull() || (items.isArray() && items.isEmpty())) {
      return evaluation(directory, req);
    }
    if (!items.isArray()) {
      throw AccessException.invalid("evaluations: an array of evaluation requests");
    }
    if (items.size() > MAX_EVALUATIONS) {
      throw AccessException.invalid(
          "evaluations: at most " + MAX_EVALUATIONS + " in one request, not " + items.size());
    }
    String semantic = "execute_all";
    JsonNode options = req.get("options");
    if (options != null && options.has("evaluations_semantic")) {
      semantic = options.get("evaluations_semantic").asText();
      if (!Set.of("execute_all", "deny_on_first_deny", "permit_on_first_permit")
          .contains(semantic)) {
        throw AccessException.invalid(
            "options.evaluations_semantic: "
                + ScimException.quote(semantic)
                + " is not one of execute_all, deny_on_first_deny, permit_on_first_permit");
      }
    }
    // Check every item before evaluating any, so a malformed batch is a 400 as a whole.
    List<JsonNode[]> parts = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      ObjectNode item = object(items.get(i), "evaluations[" + i + "]");
      JsonNode[] p = {
        item.has("subject") ? item.get("subject") : req.get("subject"),
        item.has("action") ? item.get("action") : req.get("action"),
        item.has("resource") ? item.get("resource") : req.get("resource")
      };
      String at = "evaluations[" + i + "].";
      subjectOf(p[0], at);
      actionOf(p[1], at);
      resourceOf(p[2], at);
      parts.add(p);
    }
    ObjectNode out = NODES.objectNode();
    ArrayNode decisions = out.putArray("evaluations");
    for (JsonNode[] p : parts) {
      ObjectNode d = decide(directory, p[0], p[1], p[2]);
      decisions.add(d);
      boolean permitted = d.get("decision").asBoolean();
      if (semantic.equals("deny_on_first_deny") && !permitted) {
        break;
      }
      if (semantic.equals("permit_on_first_permit") && permitted) {
        break;
      }
    }
    return out;
  }

  private static ObjectNode decide(
      Directory directory,
      @Nullable JsonNode subjectJson,
      @Nullable JsonNode actionJson,
      @Nullable JsonNode resourceJson) {
    SubjectRef subject = subjectOf(subjectJson, "");
    String action = actionOf(actionJson, "");
    ResourceRef resource = resourceOf(resourceJson, "");
    Optional<Application> app = directory.application(resource.application());
    if (app.isEmpty()) {
      return deny("there is no application '" + resource.application() + "'");
    }
    Optional<Identity> who = directory.subject(subject.kind(), subject.id());
    if (who.isEmpty()) {
      return deny("there is no " + subject.kind().wire() + " '" + subject.id() + "'");
    }
    Entitlements held = Entitlements.of(who.get(), app.get(), directory);
    Entitlements.Decision d = held.decide(action, resource.objectType());
    ObjectNode out = NODES.objectNode().put("decision", d.permitted());
    ObjectNode context = out.putObject("context");
    context.putObject("reason_admin").put("en", d.reason());
    if (d.permitted()) {
      ArrayNode grants = context.putArray("grants");
      d.grants().forEach(g -> grants.add(g.json()));
    }
    return out;
  }

  private static ObjectNode deny(String why) {
    ObjectNode out = NODES.objectNode().put("decision", false);
    out.putObject("context").putObject("reason_admin").put("en", why);
    return out;
  }

  // ---------------------------------------------------------------- search

  /** {@code POST /access/v1/search/subject}: the subjects of a type that may do the action. */
  public static ObjectNode searchSubject(Directory directory, JsonNode body) {
    ObjectNode req = object(body, "the request");
    JsonNode s = req.get("subject");
    if (s == null || !s.hasNonNull("type")) {
      throw AccessException.invalid("subject.type: required (user or agent)");
    }
    Identity.Kind kind = Identity.Kind.ofWire(s.get("type").asText());
    String action = actionOf(req.get("action"), "");
    ResourceRef resource = resourceOf(req.get("resource"), "");
    Page page = page(req);
    Optional<Application> found = directory.application(resource.application());
    if (found.isEmpty()) {
      return results(List.of(), page);
    }
    Application app = found.get();
    // Candidates: the members of the groups and the users of the filters of every rule that could
    // grant the action, and the agents granted a role here; each then decided as in an evaluation.
    Set<String> users = new LinkedHashSet<>();
    Set<String> agents = new LinkedHashSet<>();
    for (Application.Rule rule : app.rules()) {
      boolean relevant =
          rule.roles().stream().anyMatch(r -> app.grants(r, action, resource.objectType()));
      if (!relevant) {
        continue;
      }
      if (!rule.groups().isEmpty()) {
        for (Application.GroupRef g : rule.groups()) {
          directory.membersOf(
              g.id(),
              m -> {
                if (users.size() + agents.size() >= MAX_CANDIDATES) {
                  throw AccessException.invalid(
                      "the search would examine more than "
                          + MAX_CANDIDATES
                          + " subjects: ask for one subject with an evaluation instead");
                }
                (m.kind() == Identity.Kind.USER ? users : agents).add(m.id());
              });
        }
      } else {
        users.addAll(directory.usersMatching(rule, MAX_CANDIDATES));
      }
    }
    if (kind == Identity.Kind.AGENT) {
      agents.addAll(directory.agentsOf(app, MAX_CANDIDATES));
    }
    TreeSet<String> permitted = new TreeSet<>();
    for (String id : kind == Identity.Kind.USER ? users : agents) {
      Optional<Identity> who = directory.subject(kind, id);
      if (who.isPresent()
          && Entitlements.of(who.get(), app, directory)
              .decide(action, resource.objectType())
              .permitted()) {
        permitted.add(id);
      }
    }
    List<ObjectNode> out = new ArrayList<>();
    for (String id : permitted) {
      out.add(NODES.objectNode().put("type", kind.wire()).put("id", id));
    }
    return results(out, page);
  }

  /**
   * {@code POST /access/v1/search/resource}: the applications in which the subject may do the
   * action. Objects within applications are not scimd's to list: for any other resource type the
   * result is empty.
   */
  public static ObjectNode searchResource(Directory directory, JsonNode body) {
    ObjectNode req = object(body, "the request");
    SubjectRef subject = subjectOf(req.get("subject"), "");
    String action = actionOf(req.get("action"), "");
    JsonNode r = req.get("resource");
    if (r == null || !r.hasNonNull("type")) {
      throw AccessException.invalid("resource.type: required (application)");
    }
    Page page = page(req);
    List<ObjectNode> out = new ArrayList<>();
    Optional<Identity> who = directory.subject(subject.kind(), subject.id());
    if (who.isPresent() && r.get("type").asText().equals(APPLICATION)) {
      for (Application app : directory.applications()) {
        if (Entitlements.of(who.get(), app, directory).decide(action, null).permitted()) {
          out.add(NODES.objectNode().put("type", APPLICATION).put("id", app.name()));
        }
      }
    }
    return results(out, page);
  }

  /** {@code POST /access/v1/search/action}: every action the subject may do on the resource. */
  public static ObjectNode searchAction(Directory directory, JsonNode body) {
    ObjectNode req = object(body, "the request");
    SubjectRef subject = subjectOf(req.get("subject"), "");
    ResourceRef resource = resourceOf(req.get("resource"), "");
    Page page = page(req);
    List<ObjectNode> out = new ArrayList<>();
    Optional<Application> app = directory.application(resource.application());
    Optional<Identity> who = directory.subject(subject.kind(), subject.id());
    if (app.isPresent() && who.isPresent()) {
      for (String a :
          new TreeSet<>(
              Entitlements.of(who.get(), app.get(), directory).actions(resource.objectType()))) {
        out.add(NODES.objectNode().put("name", a));
      }
    }
    return results(out, page);
  }

  /** The paging a search asked for: where to start, how many. */
  private record Page(int offset, int limit, String fingerprint) {}

  private static Page page(ObjectNode req) {
    ObjectNode rest = req.deepCopy();
    JsonNode p = rest.remove("page");
    String fingerprint = Integer.toHexString(rest.toString().hashCode());
    int limit = DEFAULT_LIMIT;
    int offset = 0;
    if (p != null && !p.isNull()) {
      if (!p.isObject()) {
        throw AccessException.invalid("page: an object with token and limit");
      }
      JsonNode l = p.get("limit");
      if (l != null && !l.isNull()) {
        if (!l.canConvertToInt() || !l.isIntegralNumber() || l.asInt() < 0) {
          throw AccessException.invalid("page.limit: a whole number from 0 to " + MAX_LIMIT);
        }
        limit = Math.min(l.asInt(), MAX_LIMIT);
      }
      JsonNode t = p.get("token");
      if (t != null && !t.isNull() && !t.asText().isEmpty()) {
        offset = offset(t.asText(), fingerprint + ":" + limit);
      }
      fingerprint = fingerprint + ":" + limit;
    } else {
      fingerprint = fingerprint + ":" + limit;
    }
    return new Page(offset, limit, fingerprint);
  }

  private static int offset(String token, String fingerprint) {
    try {
      String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      int colon = text.indexOf(':');
      if (colon > 0 && text.substring(colon + 1).equals(fingerprint)) {
        return Integer.parseInt(text.substring(0, colon));
      }
    } catch (IllegalArgumentException e) {
      // falls through to the error below
    }
    throw AccessException.invalid(
        "page.token: not a token of this search (a token works only with the same request and"
            + " limit)");
  }

  private static ObjectNode results(List<ObjectNode> all, Page page) {
    ObjectNode out = NODES.objectNode();
    int from = Math.min(page.offset(), all.size());
    int to = Math.min(all.size(), from + page.limit());
    String next =
        to < all.size()
            ? Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString((to + ":" + page.fingerprint()).getBytes(StandardCharsets.UTF_8))
            : "";
    out.putObject("page").put("next_token", next).put("count", to - from).put("total", all.size());
    ArrayNode results = out.putArray("results");
    all.subList(from, to).forEach(results::add);
    return out;
  }

  // ---------------------------------------------------------------- discovery

  /**
   * {@code GET /.well-known/authzen-configuration}: the endpoints under {@code pdp}, the policy
   * decision point's identifier (the server's base URL, or a tenant's).
   */
  public static ObjectNode configuration(String pdp) {
    return NODES
        .objectNode()
        .put("policy_decision_point", pdp)
        .put("access_evaluation_endpoint", pdp + "/access/v1/evaluation")
        .put("access_evaluations_endpoint", pdp + "/access/v1/evaluations")
        .put("search_subject_endpoint", pdp + "/access/v1/search/subject")
        .put("search_resource_endpoint", pdp + "/access/v1/search/resource")
        .put("search_action_endpoint", pdp + "/access/v1/search/action");
  }

  // ---------------------------------------------------------------- parsing

  record SubjectRef(Identity.Kind kind, String id) {}

  /**
   * @param objectType the type of an object within the application; null for the application
   */
  record ResourceRef(String application, @Nullable String objectType) {}

  static SubjectRef subjectOf(@Nullable JsonNode s, String at) {
    if (s == null || s.isNull()) {
      throw AccessException.invalid(at + "subject: required ({\"type\": \"user\", \"id\": ...})");
    }
    ObjectNode o = object(s, at + "subject");
    String type = required(o, "type", at + "subject");
    String id = required(o, "id", at + "subject");
    return new SubjectRef(Identity.Kind.ofWire(type), id);
  }

  static String actionOf(@Nullable JsonNode a, String at) {
    if (a == null || a.isNull()) {
      throw AccessException.invalid(at + "action: required ({\"name\": ...})");
    }
    return required(object(a, at + "action"), "name", at + "action");
  }

  static ResourceRef resourceOf(@Nullable JsonNode r, String at) {
    if (r == null || r.isNull()) {
      throw AccessException.invalid(
          at + "resource: required ({\"type\": \"application\", \"id\": ...})");
    }
    ObjectNode o = object(r, at + "resource");
    String type = required(o, "type", at + "resource");
    String id = required(o, "id", at + "resource");
    if (type.equals(APPLICATION)) {
      return new ResourceRef(id, null);
    }
    JsonNode app = o.path("properties").get("application");
    if (app == null || !app.isTextual() || app.asText().isBlank()) {
      throw AccessException.invalid(
          at
              + "resource.properties.application: a resource of type "
              + ScimException.quote(type)
              + " names the application it is in (or use type \"application\")");
    }
    return new ResourceRef(app.asText(), type);
  }

  private static String required(ObjectNode o, String field, String at) {
    JsonNode v = o.get(field);
    if (v == null || !v.isTextual() || v.asText().isEmpty()) {
      throw AccessException.invalid(at + "." + field + ": required, a non-empty string");
    }
    return v.asText();
  }

  private static ObjectNode object(@Nullable JsonNode n, String what) {
    if (!(n instanceof ObjectNode o)) {
      throw AccessException.invalid(what + ": a JSON object");
    }
    return o;
  }
}
