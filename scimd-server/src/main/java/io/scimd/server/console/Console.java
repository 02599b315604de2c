package io.scimd.server.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import io.scimd.access.AccessException;
import io.scimd.access.AccessHistory;
import io.scimd.access.AccessModel;
import io.scimd.access.Identity;
import io.scimd.core.error.ScimException;
import io.scimd.core.schema.ResourceType;
import io.scimd.server.BuildInfo;
import io.scimd.server.audit.AuditEntries;
import io.scimd.server.audit.Export;
import io.scimd.server.clients.ClientAdmin;
import io.scimd.server.clients.Scopes;
import io.scimd.server.clients.Tokens;
import io.scimd.server.http.FailedAuthentications;
import io.scimd.server.http.HttpIo;
import io.scimd.server.hub.HubNode;
import io.scimd.server.hub.Reconciling;
import io.scimd.server.observe.Telemetry;
import io.scimd.server.service.JsonBody;
import io.scimd.server.service.ListParams;
import io.scimd.server.service.ScimService;
import io.scimd.store.AuditQuery;
import io.scimd.store.Credentials;
import io.scimd.store.HubRecords;
import io.scimd.store.Member;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.store.StoreReader;
import io.scimd.sync.scim.Reconcile;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.FormFields;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web console at {@code /console}: HTML pages rendered on the server from jte templates
 * (compiled with the build), enhanced by htmx when the browser runs it and whole without it.
 *
 * <p><b>Sessions.</b> A person signs in with a bearer token of a client holding the {@code admin}
 * scope; the token is checked as the API checks it (by its hash: {@link
 * Credentials#findByTokenHash}) and is not kept. The browser then holds only a random session id in
 * a cookie that is {@code HttpOnly}, {@code SameSite=Strict}, limited to {@code /console}, and
 * {@code Secure} when the request came over HTTPS (directly or through a trusted proxy). Sessions
 * live in memory ({@link Sessions}).
 *
 * <p><b>CSRF.</b> Every POST carries a {@code csrf} form field: the session's token once signed in,
 * and before that (the sign-in form) a random value also set in a short-lived cookie that the field
 * must equal (double submit). {@code SameSite=Strict} already keeps other sites' forms from sending
 * the cookie; the token is the second lock. A POST without it changes nothing and answers 403.
 *
 * <p><b>Reads go through the SCIM service.</b> Lists are the service's cursor-paged list ({@link
 * ScimService#list}) with the typed SCIM filter, so the store's filter push-down, the filter limits
 * and {@code filterable} rules are the API's, and a page never loads more than its rows. A user's
 * history is the admin API's ({@link AuditEntries#history}).
 */
public final class Console extends Handler.Abstract {
  private static final Logger LOG = LoggerFactory.getLogger(Console.class);

  /** Where the console is served. */
  public static final String PREFIX = "/console";

  static final String SESSION_COOKIE = "scimd_console";
  static final String SIGNIN_COOKIE = "scimd_console_signin";

  /** The state of an OIDC sign-in under way, which the callback must bring back. */
  static final String OIDC_COOKIE = "scimd_console_oidc";

  /** The session kind of a person the OIDC provider signed in (the journal's principal kind). */
  static final String OIDC_KIND = "oidc";

  /** Rows on a list page. */
  static final int PAGE_SIZE = 25;

  /** Members on a group's page. */
  static final int MEMBERS_PAGE = 50;

  /** The scopes the create form offers (agent scopes are given by the agents' own commands). */
  static final List<String> CLIENT_SCOPES =
      List.of(Scopes.READ, Scopes.WRITE, Scopes.ADMIN, Scopes.EVENTS, Scopes.ACCESS);

  /** Entries on an audit trail page. */
  static final int AUDIT_PAGE = 50;

  /** Dead letters on a target's page. */
  static final int DEAD_LETTERS_PAGE = 50;

  /** Changes on a history page. */
  static final int HISTORY_PAGE = 20;

  private static final int MAX_FORM_FIELDS = 20;
  private static final int MAX_FORM_BYTES = 16 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String CSP =
      "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none';"
          + " object-src 'none'";

  private static final String HTMX_RESOURCE = htmxResource();

  private final Store store;
  private final ClientAdmin admin;
  private final HubNode hub;
  private final AccessModel access;
  private final Function<String, ScimService> services;
  private final InstantSource clock;
  private final Sessions sessions;
  private final @Nullable OidcSignIn oidc;
  private final FailedAuthentications failedSignIns;
  private final TemplateEngine templates = TemplateEngine.createPrecompiled(ContentType.Html);
  private final byte[] css = resource("/io/scimd/server/console/console.css");
  private final byte[] htmx = resource(HTMX_RESOURCE);

  /**
   * @param hub the provisioning hub, as the admin API's targets endpoints use it
   * @param access the access model, as {@code /access/v1} and the admin API use it
   * @param services each tenant's SCIM service (its schemas), as the SCIM endpoints use them
   * @param oidc how people sign in through the company's OIDC provider; null: with tokens only
   * @param failedSignIns where a refused token sign-in is counted, throttled and journaled, as the
   *     API's 401s are
   */
  public Console(
      Store store,
      ClientAdmin admin,
      HubNode hub,
      AccessModel access,
      Function<String, ScimService> services,
      InstantSource clock,
      @Nullable ConsoleOidc oidc,
      FailedAuthentications failedSignIns) {
    this.store = store;
    this.admin = admin;
    this.hub = hub;
    this.access = access;
    this.services = services;
    this.clock = clock;
    this.sessions = new Sessions(clock);
    this.oidc = oidc == null ? null : new OidcSignIn(oidc, clock);
    this.failedSignIns = failedSignIns;
  }

  /** The cookie of a new session, the same for a token and an OIDC sign-in. */
  private static HttpCookie sessionCookie(Request request, String id) {
    return HttpCookie.build(SESSION_COOKIE, id)
        .path(PREFIX)
        .httpOnly(true)
        .secure(secure(request))
        .sameSite(HttpCookie.SameSite.STRICT)
        .build();
  }

  /** Whether {@code path} is the console's. */
  public static boolean serves(String path) {
    return path.equals(PREFIX) || path.startsWith(PREFIX + "/");
  }

  /**
   * {@code api} with the console mounted in front of it: requests under {@link #PREFIX} go to the
   * console, every other to {@code api}.
   */
  public Handler mountedBefore(Handler api) {
    return new Handler.Sequence(this, api);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    if (!serves(path(request))) {
      return false;
    }
    try {
      route(request, response, callback);
    } catch (BadCursor e) {
      problem(
          response,
          callback,
          400,
          "Bad page link",
          "'after' must be a journal number (0 or more), as the page's Next link gives it.");
    } catch (RuntimeException e) {
      if (e instanceof ScimException se && se.status() == 503) {
        // The store is unavailable or busy (the API answers it so): the page may show a second
        // later, so a 503 that says when to retry, as the API's, not a 500 that reads as a bug.
        LOG.warn(
            "console request {} {} -> 503: {}", request.getMethod(), path(request), e.getMessage());
        problem(
            response,
            callback,
            503,
            "Busy, try again",
            "The database is unavailable or busy. Try again in a moment.");
        return true;
      }
      String id = Sessions.random().substring(0, 12);
      LOG.error(
          "console request {} {} failed (error id {})", request.getMethod(), path(request), id, e);
      problem(
          response,
          callback,
          500,
          "Something went wrong",
          "The server could not show this page (error id "
              + id
              + "). Try again; if it persists, tell the operator that id.");
    }
    return true;
  }

  private void route(Request request, Response response, Callback callback) {
    String path = path(request);
    String method = request.getMethod();
    boolean get =
        method.equals(HttpMethod.GET.asString()) || method.equals(HttpMethod.HEAD.asString());
    boolean post = method.equals(HttpMethod.POST.asString());
    if (path.startsWith(PREFIX + "/assets/") && get) {
      asset(path.substring((PREFIX + "/assets/").length()), response, callback);
      return;
    }
    if (path.equals(PREFIX + "/signin")) {
      if (get) {
        signInPage(request, response, callback, null, 200);
      } else if (post) {
        signIn(request, response, callback);
      } else {
        notAllowed(response, callback);
      }
      return;
    }
    if (path.equals(PREFIX + "/oidc/start") || path.equals(OidcSignIn.CALLBACK)) {
      OidcSignIn signIn = oidc;
      if (signIn == null) {
        problem(
            response,
            callback,
            404,
            "Not found",
            "This console has no sign-in through an identity provider; sign in with a token.");
      } else if (!get) {
        notAllowed(response, callback);
      } else if (path.equals(OidcSignIn.CALLBACK)) {
        oidcCallback(signIn, request, response, callback);
      } else {
        oidcStart(signIn, request, response, callback);
      }
      return;
    }
    Optional<Sessions.Session> found = sessions.find(cookie(request, SESSION_COOKIE));
    if (found.isEmpty()) {
      if (post) {
        problem(response, callback, 403, "Signed out", "Your session has ended; sign in again.");
      } else {
        redirect(response, callback, PREFIX + "/signin");
      }
      return;
    }
    Sessions.Session session = found.get();
    if (!stillAdmin(session)) {
      // Signed in with a token since revoked, expired, or no longer admin: as the API refuses
      // that token at once, the session it opened ends at once.
      sessions.end(cookie(request, SESSION_COOKIE));
      LOG.info(
          "console: the session of {} of tenant {} ended: its credential is no longer a live"
              + " admin token",
          session.principalName(),
          session.tenant());
      if (post) {
        problem(response, callback, 403, "Signed out", "Your session has ended; sign in again.");
      } else {
        redirect(response, callback, PREFIX + "/signin");
      }
      return;
    }
    if (post) {
      Fields form = form(request);
      if (form == null || !session.csrfMatches(form.getValue("csrf"))) {
        problem(
            response,
            callback,
            403,
            "Form refused",
            "The form did not carry this session's security token; nothing was changed. Reload the page and try again.");
        return;
      }
      if (path.equals(PREFIX + "/signout")) {
        sessions.end(cookie(request, SESSION_COOKIE));
        Response.addCookie(response, expiredCookie(request, SESSION_COOKIE, PREFIX));
        redirect(response, callback, PREFIX + "/signin");
        return;
      }
      new Pages(session, request).post(path, form, response, callback);
      return;
    }
    if (!get) {
      notAllowed(response, callback);
      return;
    }
    if (path.equals(PREFIX) || path.equals(PREFIX + "/")) {
      redirect(response, callback, PREFIX + "/users");
      return;
    }
    Map<String, String> query = query(request);
    Pages pages = new Pages(session, request);
    String[] parts = path.substring(PREFIX.length() + 1).split("/", -1);
    if (parts.length == 1
        && (parts[0].equals("users") || parts[0].equals("groups") || parts[0].equals("agents"))) {
      pages.listing(parts[0], query, response, callback);
    } else if (parts.length == 2 && parts[0].equals("users") && !parts[1].isEmpty()) {
      pages.user(decode(parts[1]), query, response, callback);
    } else if (parts.length == 2 && parts[0].equals("groups") && !parts[1].isEmpty()) {
      pages.group(decode(parts[1]), query, response, callback);
    } else if (parts.length == 1 && parts[0].equals("audit")) {
      pages.audit(query, response, callback);
    } else if (parts.length == 2 && parts[0].equals("audit") && parts[1].equals("export")) {
      pages.export(query, response, callback);
    } else if (parts.length == 2 && parts[0].equals("agents") && !parts[1].isEmpty()) {
      pages.agent(decode(parts[1]), query, response, callback);
    } else if (parts.length == 1 && parts[0].equals("access")) {
      pages.applications(response, callback);
    } else if (parts.length == 2 && parts[0].equals("access") && !parts[1].isEmpty()) {
      pages.application(decode(parts[1]), response, callback);
    } else if (parts.length == 1 && parts[0].equals("targets")) {
      pages.targets(response, callback);
    } else if (parts.length == 2 && parts[0].equals("targets") && !parts[1].isEmpty()) {
      pages.target(decode(parts[1]), query, null, null, null, 200, response, callback);
    } else if (parts.length == 1 && parts[0].equals("clients")) {
      pages.clients(null, 200, response, callback);
    } else if (parts.length == 2 && parts[0].equals("clients") && !parts[1].isEmpty()) {
      pages.client(decode(parts[1]), null, null, 200, response, callback);
    } else {
      problem(response, callback, 404, "Not found", "There is no console page at " + path + ".");
    }
  }

  // ------------------------------------------------------------------ sign-in

  private void signInPage(
      Request request, Response response, Callback callback, @Nullable String error, int status) {
    String csrf = Sessions.random();
    Response.addCookie(
        response,
        HttpCookie.build(SIGNIN_COOKIE, csrf)
            .path(PREFIX + "/signin")
            .httpOnly(true)
            .secure(secure(request))
            .sameSite(HttpCookie.SameSite.STRICT)
            .maxAge(3600)
            .build());
    html(
        response,
        callback,
        status,
        render(
            "signin.jte",
            Map.of(
                "page",
                new Views.SignIn(
                    csrf, error, oidc == null ? null : oidc.settings().displayName()))));
  }

  /** Sends the browser to the OIDC provider, the sign-in's state in a cookie. */
  private void oidcStart(OidcSignIn signIn, Request request, Response response, Callback callback) {
    OidcSignIn.Started started;
    try {
      String base = signIn.settings().redirectBase();
      started =
          signIn.begin(
              OidcSignIn.callback(base != null ? base : HttpIo.base(request, "")),
              Request.getRemoteAddr(request));
    } catch (OidcSignIn.Refused e) {
      refused(e, request, response, callback);
      return;
    }
    // SameSite=Lax, not Strict: the browser brings it back on the provider's redirect, a
    // cross-site navigation; it is good for one sign-in and names no session.
    Response.addCookie(
        response,
        HttpCookie.build(OIDC_COOKIE, started.state())
            .path(PREFIX + "/oidc")
            .httpOnly(true)
            .secure(secure(request))
            .sameSite(HttpCookie.SameSite.LAX)
            .maxAge(OidcSignIn.PENDING_FOR.toSeconds())
            .build());
    redirect(response, callback, started.authorization().toString());
  }

  /**
   * The provider's redirect back: a session like a token's (same cookie, CSRF and idle rules) for
   * an administrator, in the default tenant, for at most {@link OidcSignIn#LIFETIME}; a page saying
   * why for anything else.
   */
  private void oidcCallback(
      OidcSignIn signIn, Request request, Response response, Callback callback) {
    String state = cookie(request, OIDC_COOKIE);
    Response.addCookie(response, expiredCookie(request, OIDC_COOKIE, PREFIX + "/oidc"));
    OidcSignIn.Person person;
    try {
      person = signIn.finish(query(request), state);
    } catch (OidcSignIn.Refused e) {
      refused(e, request, response, callback);
      return;
    }
    String id =
        sessions.start(
            Scope.DEFAULT_TENANT,
            OIDC_KIND,
            person.subject(),
            person.name(),
            OIDC_KIND,
            OidcSignIn.LIFETIME);
    LOG.info(
        "console: {} (subject {}) of tenant {} signed in through OIDC from {}",
        OidcSignIn.loggable(person.name()),
        OidcSignIn.loggable(person.subject()),
        Scope.DEFAULT_TENANT,
        Request.getRemoteAddr(request));
    Response.addCookie(response, sessionCookie(request, id));
    html(
        response,
        callback,
        200,
        render(
            "signedin.jte", Map.of("page", new Views.SignedIn(person.name(), PREFIX + "/users"))));
  }

  private void refused(
      OidcSignIn.Refused e, Request request, Response response, Callback callback) {
    // The reason may quote a library's message, and that the provider's answer: no line breaks.
    String reason = OidcSignIn.loggable(e.getMessage());
    if (e.status >= 500) {
      LOG.warn(
          "console sign-in through OIDC failed from {}: {}",
          Request.getRemoteAddr(request),
          reason);
    } else {
      LOG.info(
          "console sign-in through OIDC refused from {}: {}",
          Request.getRemoteAddr(request),
          reason);
    }
    if (e.retryAfterSeconds > 0) {
      response.getHeaders().put(HttpHeader.RETRY_AFTER, Long.toString(e.retryAfterSeconds));
    }
    problem(response, callback, e.status, e.title, e.detail);
  }

  private void signIn(Request request, Response response, Callback callback) {
    Fields form = form(request);
    String expected = cookie(request, SIGNIN_COOKIE);
    String given = form == null ? null : form.getValue("csrf");
    if (form == null
        || expected == null
        || given == null
        || !Sessions.constantTimeEquals(expected, given)) {
      signInPage(
          request, response, callback, "The sign-in form expired; enter the token again.", 403);
      return;
    }
    String token = Objects.requireNonNullElse(form.getValue("token"), "").trim();
    // Held to the API's limit on failed authentications per address, whatever the token: a
    // guesser learns nothing more here than at the API.
    long retryAfter = failedSignIns.retryAfterSeconds(request);
    if (retryAfter > 0) {
      response.getHeaders().put(HttpHeader.RETRY_AFTER, Long.toString(retryAfter));
      signInPage(
          request,
          response,
          callback,
          "Too many failed sign-ins from this address: try again in " + retryAfter + " s.",
          429);
      return;
    }
    Optional<Credentials.Client> client = adminClient(token);
    if (client.isEmpty()) {
      failedSignIns.failed(request, token);
      LOG.info(
          "console sign-in refused from {}: not a live admin token",
          Request.getRemoteAddr(request));
      signInPage(
          request,
          response,
          callback,
          "That token is not valid, or its client does not have the admin scope.",
          401);
      return;
    }
    Credentials.Client c = client.get();
    String id = sessions.start(c.tenant(), "client", c.id(), c.name(), Tokens.hash(token));
    LOG.info("console: client {} ({}) of tenant {} signed in", c.name(), c.id(), c.tenant());
    Response.addCookie(response, expiredCookie(request, SIGNIN_COOKIE, PREFIX + "/signin"));
    Response.addCookie(response, sessionCookie(request, id));
    redirect(response, callback, PREFIX + "/users");
  }

  /** The client of a live bearer token holding the admin scope; empty for anything else. */
  private Optional<Credentials.Client> adminClient(String token) {
    if (token.isEmpty() || !Tokens.plausible(token)) {
      return Optional.empty();
    }
    return adminClientOf(Tokens.hash(token));
  }

  /** Whether the session's credential is still a live admin token of the session's client. */
  private boolean stillAdmin(Sessions.Session session) {
    if (session.principalKind().equals(OIDC_KIND)) {
      // The provider vouched for the person at sign-in; the session's short lifetime
      // (OidcSignIn.LIFETIME) is when it is asked again.
      return oidc != null && session.tenant().equals(Scope.DEFAULT_TENANT);
    }
    return adminClientOf(session.credential())
        .filter(c -> c.id().equals(session.principalId()) && c.tenant().equals(session.tenant()))
        .isPresent();
  }

  private Optional<Credentials.Client> adminClientOf(String tokenHash) {
    Instant now = clock.instant();
    return store
        .credentials()
        .findByTokenHash(tokenHash)
        .filter(c -> c.kind() == Credentials.Kind.BEARER)
        .filter(c -> c.expires() == null || now.isBefore(c.expires()))
        .map(Credentials.Credential::client)
        .filter(c -> c.scopes().contains(Scopes.ADMIN));
  }

  // ------------------------------------------------------------------ pages

  /** The pages of one signed-in request. */
  private final class Pages {
    private final Sessions.Session session;
    private final Scope scope;
    private final ScimService service;
    private final String base;

    Pages(Sessions.Session session, Request request) {
      this.session = session;
      this.scope =
          new Scope(
              session.tenant(),
              new Scope.Principal(
                  session.principalKind(), session.principalId(), session.principalName()),
              Request.getRemoteAddr(request),
              "console-" + Sessions.random().substring(0, 16));
      this.service = services.apply(session.tenant());
      this.base = PREFIX;
    }

    Views.Chrome chrome(String title, String section) {
      return new Views.Chrome(
          title, section, session.principalName(), session.tenant(), session.csrf());
    }

    void listing(String kind, Map<String, String> query, Response response, Callback callback) {
      boolean users = kind.equals("users");
      boolean agents = kind.equals("agents");
      ResourceType type;
      if (agents) {
        Optional<ResourceType> agent = service.registry().agent();
        if (agent.isEmpty()) {
          noAgents(response, callback);
          return;
        }
        type = agent.get();
      } else {
        type = users ? service.registry().user() : service.registry().group();
      }
      String filter = query.getOrDefault("filter", "").trim();
      String cursor = query.getOrDefault("cursor", "");
      String attributes =
          users
              ? "userName,displayName,emails,active"
              : agents ? "agentUserName,displayName,owners,active" : "displayName,externalId";
      ListParams params =
          new ListParams(
              filter.isEmpty() ? null : filter,
              null,
              null,
              null,
              Integer.toString(PAGE_SIZE),
              cursor,
              attributes,
              null);
      Views.Chrome chrome = chrome(users ? "Users" : agents ? "Agents" : "Groups", kind);
      JsonNode list;
      try {
        list = read(out -> service.list(scope, type, params, base, out));
      } catch (ScimException e) {
        Views.Listing refused =
            new Views.Listing(kind, filter, e.error().detail(), List.of(), 0, null, null);
        html(
            response,
            callback,
            e.error().status() >= 500 ? e.error().status() : 400,
            render("listing.jte", Map.of("chrome", chrome, "page", refused)));
        return;
      }
      List<Views.Row> rows = new ArrayList<>();
      for (JsonNode r : list.path("Resources")) {
        String id = r.path("id").asText();
        if (agents) {
          rows.add(
              new Views.Row(
                  new Views.Link(
                      r.path("agentUserName").asText(id), PREFIX + "/agents/" + encode(id)),
                  r.path("displayName").asText(""),
                  Integer.toString(r.path("owners").size()),
                  r.path("active").isBoolean()
                      ? (r.path("active").asBoolean() ? "yes" : "no")
                      : ""));
        } else if (users) {
          rows.add(
              new Views.Row(
                  new Views.Link(r.path("userName").asText(), PREFIX + "/users/" + encode(id)),
                  r.path("displayName").asText(""),
                  primaryEmail(r),
                  r.path("active").isBoolean()
                      ? (r.path("active").asBoolean() ? "yes" : "no")
                      : ""));
        } else {
          rows.add(
              new Views.Row(
                  new Views.Link(
                      r.path("displayName").asText(id), PREFIX + "/groups/" + encode(id)),
                  r.path("externalId").asText(""),
                  r.path("meta").path("lastModified").asText(""),
                  id));
        }
      }
      String here =
          PREFIX + "/" + kind + "?" + (filter.isEmpty() ? "" : "filter=" + encode(filter) + "&");
      String prev = list.path("previousCursor").asText(null);
      String next = list.path("nextCursor").asText(null);
      Views.Listing page =
          new Views.Listing(
              kind,
              filter,
              null,
              rows,
              list.path("totalResults").asLong(),
              prev == null ? null : here + "cursor=" + encode(prev),
              next == null ? null : here + "cursor=" + encode(next));
      html(response, callback, 200, render("listing.jte", Map.of("chrome", chrome, "page", page)));
    }

    void user(String id, Map<String, String> query, Response response, Callback callback) {
      ResourceType type = service.registry().user();
      JsonNode u = resource(type, id, null);
      if (u == null) {
        problem(
            response,
            callback,
            404,
            "No such user",
            "There is no user with the id " + id + " in this tenant.");
        return;
      }
      List<String> emails = new ArrayList<>();
      u.path("emails").forEach(e -> emails.add(e.path("value").asText()));
      List<Views.Link> groups = new ArrayList<>();
      u.path("groups")
          .forEach(
              g ->
                  groups.add(
                      new Views.Link(
                          g.path("display").asText(g.path("value").asText()),
                          PREFIX + "/groups/" + encode(g.path("value").asText()))));
      Views.UserDetail detail =
          new Views.UserDetail(
              id,
              u.path("userName").asText(),
              u.path("displayName").asText(""),
              u.path("active").asBoolean(true),
              emails,
              u.path("meta").path("created").asText(""),
              u.path("meta").path("lastModified").asText(""),
              groups,
              history(type.name(), id, query, PREFIX + "/users/" + encode(id)));
      html(
          response,
          callback,
          200,
          render("user.jte", Map.of("chrome", chrome(detail.userName(), "users"), "user", detail)));
    }

    void group(String id, Map<String, String> query, Response response, Callback callback) {
      ResourceType type = service.registry().group();
      JsonNode g = resource(type, id, "members");
      if (g == null) {
        problem(
            response,
            callback,
            404,
            "No such group",
            "There is no group with the id " + id + " in this tenant.");
        return;
      }
      // The page after the member at position `members`: one keyset probe and an index count,
      // whatever the group's size (a group of a million members answers as fast as one of ten).
      String at = query.get("members");
      long after;
      try {
        after = at == null || at.isBlank() ? Long.MIN_VALUE : Long.parseLong(at.strip());
      } catch (NumberFormatException e) {
        problem(
            response,
            callback,
            400,
            "Bad member page",
            "The members parameter is the position a page starts after, a whole number; follow the"
                + " page's own links.");
        return;
      }
      // One read: the page and the count from the same snapshot.
      long[] count = {0};
      StoreReader.MemberPage page =
          store.read(
              scope,
              r -> {
                count[0] = r.memberCount(id);
                return r.memberPage(id, after, MEMBERS_PAGE);
              });
      List<Views.Link> members = new ArrayList<>();
      for (Member m : page.members()) {
        boolean group = "Group".equals(m.type());
        members.add(
            new Views.Link(
                Objects.requireNonNullElse(m.display(), m.value()) + (group ? " (group)" : ""),
                PREFIX + (group ? "/groups/" : "/users/") + encode(m.value())));
      }
      String here = PREFIX + "/groups/" + encode(id);
      Views.GroupDetail detail =
          new Views.GroupDetail(
              id,
              g.path("displayName").asText(id),
              g.path("meta").path("created").asText(""),
              g.path("meta").path("lastModified").asText(""),
              members,
              count[0],
              after == Long.MIN_VALUE ? null : here,
              page.more() ? here + "?members=" + page.lastSeq() : null,
              history(type.name(), id, query, PREFIX + "/groups/" + encode(id)));
      html(
          response,
          callback,
          200,
          render(
              "group.jte",
              Map.of("chrome", chrome(detail.displayName(), "groups"), "group", detail)));
    }

    /**
     * The audit trail of the tenant, searched by resource, client and time as the admin API's
     * {@code GET /admin/v1/audit} is ({@link AuditEntries#search}), 50 entries a page.
     */
    void audit(Map<String, String> query, Response response, Callback callback) {
      String typeText = query.getOrDefault("resourceType", "").trim();
      String id = query.getOrDefault("resourceId", "").trim();
      String client = query.getOrDefault("client", "").trim();
      String sinceText = query.getOrDefault("since", "").trim();
      String untilText = query.getOrDefault("until", "").trim();
      String error = null;
      String type = null;
      if (!typeText.isEmpty()) {
        type = AuditEntries.type(service.registry(), typeText).orElse(null);
        if (type == null) {
          error =
              "There is no resource type "
                  + typeText
                  + "; give one of "
                  + String.join(", ", AuditEntries.typeNames(service.registry()))
                  + ".";
        }
      } else if (!id.isEmpty()) {
        error = "A resource id needs its resource type: the trail keeps ids per type.";
      }
      Instant since = null;
      Instant until = null;
      try {
        since = sinceText.isEmpty() ? null : auditTime(sinceText);
        until = untilText.isEmpty() ? null : auditTime(untilText);
      } catch (java.time.format.DateTimeParseException e) {
        error = "Times are ISO 8601 instants in UTC, such as 2026-01-31T00:00:00Z.";
      }
      if (error == null && since != null && until != null && until.isBefore(since)) {
        error = "Until (" + until + ") is before since (" + since + ").";
      }
      List<Views.AuditRow> rows = new ArrayList<>();
      String next = null;
      if (error == null) {
        AuditEntries.Page page =
            AuditEntries.search(
                store.audit(),
                session.tenant(),
                new AuditQuery(
                    type,
                    id.isEmpty() ? null : id,
                    client.isEmpty() ? List.of() : AuditQuery.clientPrincipals(client),
                    null,
                    since,
                    until,
                    cursor(query.get("after")),
                    AUDIT_PAGE));
        for (JsonNode e : page.entries()) {
          String rt = e.path("resourceType").asText();
          String rid = e.path("resourceId").asText();
          String href =
              rt.equals(service.registry().user().name())
                  ? PREFIX + "/users/" + encode(rid)
                  : rt.equals(service.registry().group().name())
                      ? PREFIX + "/groups/" + encode(rid)
                      : "";
          String detail = e.path("change").toString();
          rows.add(
              new Views.AuditRow(
                  e.path("seq").asLong(),
                  e.path("at").asText(),
                  e.path("principalName").asText(e.path("principal").asText()),
                  e.path("operation").asText(),
                  new Views.Link(rt + " " + rid, href),
                  detail.length() > 300 ? detail.substring(0, 300) + "…" : detail));
        }
        Long after = page.next();
        if (after != null) {
          next =
              PREFIX
                  + "/audit?resourceType="
                  + encode(typeText)
                  + "&resourceId="
                  + encode(id)
                  + "&client="
                  + encode(client)
                  + "&since="
                  + encode(sinceText)
                  + "&until="
                  + encode(untilText)
                  + "&after="
                  + after;
        }
      }
      String export =
          PREFIX + "/audit/export?since=" + encode(sinceText) + "&until=" + encode(untilText);
      Views.Audit page =
          new Views.Audit(typeText, id, client, sinceText, untilText, error, rows, next, export);
      html(
          response,
          callback,
          error == null ? 200 : 400,
          render("audit.jte", Map.of("chrome", chrome("Audit trail", "audit"), "page", page)));
    }

    /**
     * The tenant's audit trail between two instants as JSON lines, as {@code scimd audit export
     * --format jsonl} writes it ({@link Export#write}), for download.
     */
    void export(Map<String, String> query, Response response, Callback callback) {
      Instant since;
      Instant until;
      try {
        String s = query.getOrDefault("since", "").trim();
        String u = query.getOrDefault("until", "").trim();
        since = s.isEmpty() ? Instant.EPOCH : auditTime(s);
        until = u.isEmpty() ? null : auditTime(u);
      } catch (java.time.format.DateTimeParseException e) {
        problem(
            response,
            callback,
            400,
            "Export refused",
            "Times are ISO 8601 instants in UTC, such as 2026-01-31T00:00:00Z.");
        return;
      }
      response.setStatus(200);
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/jsonl; charset=utf-8");
      response
          .getHeaders()
          .put(
              "Content-Disposition",
              "attachment; filename=\"scimd-audit-" + session.tenant() + ".jsonl\"");
      // Streamed as the entries are read: a long trail is never held in memory.
      java.io.PrintWriter out =
          new java.io.PrintWriter(
              new java.io.OutputStreamWriter(
                  Content.Sink.asOutputStream(response), StandardCharsets.UTF_8));
      try {
        Export.write(
            store.audit(),
            session.tenant(),
            since,
            until,
            Export.Format.JSONL,
            BuildInfo.current().version(),
            out);
      } catch (RuntimeException e) {
        LOG.error("console: the audit export failed midway", e);
        // Not closed: closing ends the chunked body as a complete one and the download would look
        // whole. Failing the callback aborts the response, as the API's StreamedResponse does, so
        // the client sees a broken transfer; before anything was sent, the caller's error page.
        if (!response.isCommitted()) {
          response.reset();
          throw e;
        }
        callback.failed(e);
        return;
      }
      out.close();
      // A PrintWriter keeps write errors to itself: a client that went away is no success.
      if (out.checkError()) {
        callback.failed(new java.io.IOException("the audit export could not be sent whole"));
        return;
      }
      callback.succeeded();
    }

    /** The POSTs of a signed-in session, its CSRF token already checked. */
    void post(String path, Fields form, Response response, Callback callback) {
      String[] parts = path.substring(PREFIX.length() + 1).split("/", -1);
      if (parts.length == 1 && parts[0].equals("clients")) {
        List<String> scopes = new ArrayList<>();
        Fields.Field given = form.get("scope");
        if (given != null) {
          scopes.addAll(given.getValues());
        }
        String name = Objects.requireNonNullElse(form.getValue("name"), "");
        Credentials.Client created;
        try {
          created = admin.createClient(scope, name, scopes);
        } catch (IllegalArgumentException | IllegalStateException e) {
          clients(e.getMessage(), 400, response, callback);
          return;
        } catch (ScimException e) {
          clients(e.error().detail(), e.error().status(), response, callback);
          return;
        }
        redirect(response, callback, PREFIX + "/clients/" + encode(created.id()));
        return;
      }
      if (parts.length == 3
          && parts[0].equals("clients")
          && (parts[2].equals("tokens") || parts[2].equals("rotate"))) {
        String id = decode(parts[1]);
        Optional<Credentials.Client> client = ownClient(id);
        if (client.isEmpty()) {
          noSuchClient(response, callback, id);
          return;
        }
        try {
          Views.Secret secret;
          if (parts[2].equals("tokens")) {
            ClientAdmin.Issued issued =
                admin.issue(scope, client.get(), Credentials.Kind.BEARER, null);
            secret = new Views.Secret(issued.secret(), "bearer token", List.of());
          } else {
            int hours = number(form.getValue("overlapHours"));
            if (hours < 0 || hours > 720) {
              client(
                  id,
                  null,
                  "The overlap must be between 0 and 720 hours.",
                  400,
                  response,
                  callback);
              return;
            }
            ClientAdmin.Rotated rotated =
                admin.rotate(
                    scope,
                    client.get(),
                    Credentials.Kind.BEARER,
                    java.time.Duration.ofHours(hours),
                    null);
            List<String> ending = new ArrayList<>();
            rotated
                .ending()
                .forEach(
                    c ->
                        ending.add(
                            "The token "
                                + c.hint()
                                + " stops working at "
                                + Objects.requireNonNullElse(c.expires(), clock.instant())
                                + "."));
            secret = new Views.Secret(rotated.issued().secret(), "bearer token", ending);
          }
          client(id, secret, null, 200, response, callback);
        } catch (IllegalArgumentException | IllegalStateException e) {
          client(id, null, e.getMessage(), 409, response, callback);
        }
        return;
      }
      if (parts.length == 3
          && parts[0].equals("targets")
          && (parts[2].equals("replay") || parts[2].equals("reconcile"))) {
        String name = decode(parts[1]);
        if (parts[2].equals("replay")) {
          replay(name, form, response, callback);
        } else {
          reconcile(name, response, callback);
        }
        return;
      }
      if (parts.length == 3 && parts[0].equals("tokens") && parts[2].equals("revoke")) {
        String clientId = Objects.requireNonNullElse(form.getValue("client"), "");
        boolean revoked = admin.revoke(scope, decode(parts[1]));
        if (!revoked) {
          problem(
              response,
              callback,
              404,
              "No such token",
              "There is no live token "
                  + decode(parts[1])
                  + " in this tenant; nothing was changed.");
          return;
        }
        redirect(response, callback, PREFIX + "/clients/" + encode(clientId));
        return;
      }
      problem(response, callback, 404, "Not found", "There is no console page at " + path + ".");
    }

    // ---------------------------------------------------------------- agents and access

    private void noAgents(Response response, Callback callback) {
      problem(
          response,
          callback,
          404,
          "No agents",
          "This tenant's schemas have no Agent resource type.");
    }

    void agent(String id, Map<String, String> query, Response response, Callback callback) {
      Optional<ResourceType> agentType = service.registry().agent();
      if (agentType.isEmpty()) {
        noAgents(response, callback);
        return;
      }
      ResourceType type = agentType.get();
      JsonNode a = resource(type, id, null);
      if (a == null) {
        problem(
            response,
            callback,
            404,
            "No such agent",
            "There is no agent with the id " + id + " in this tenant.");
        return;
      }
      List<Views.Link> owners = new ArrayList<>();
      a.path("owners")
          .forEach(
              o ->
                  owners.add(
                      new Views.Link(
                          o.path("display").asText(o.path("value").asText()),
                          PREFIX + "/users/" + encode(o.path("value").asText()))));
      List<Views.Held> roles = new ArrayList<>();
      String accessError = null;
      try {
        ObjectNode held =
            access.history(scope).subject(Identity.Kind.AGENT, id, null, clock.instant());
        for (JsonNode app : held.path("applications")) {
          for (JsonNode r : app.path("roles")) {
            roles.add(
                new Views.Held(
                    app.path("application").asText(),
                    r.path("role").asText(),
                    grants(r.path("grants"))));
          }
          app.path("withheld")
              .properties()
              .forEach(
                  w ->
                      roles.add(
                          new Views.Held(
                              app.path("application").asText(),
                              w.getKey(),
                              "withheld: " + w.getValue().asText())));
          if (app.hasNonNull("denial")) {
            roles.add(
                new Views.Held(
                    app.path("application").asText(),
                    "none",
                    "denied: " + app.path("denial").asText()));
          }
        }
      } catch (AccessException e) {
        accessError = e.getMessage();
      }
      Views.AgentDetail detail =
          new Views.AgentDetail(
              id,
              a.path("agentUserName").asText(id),
              a.path("displayName").asText(""),
              a.path("active").asBoolean(true),
              a.path("meta").path("created").asText(""),
              a.path("meta").path("lastModified").asText(""),
              owners,
              roles,
              accessError,
              history(type.name(), id, query, PREFIX + "/agents/" + encode(id)));
      html(
          response,
          callback,
          200,
          render(
              "agent.jte",
              Map.of("chrome", chrome(detail.agentUserName(), "agents"), "agent", detail)));
    }

    void applications(Response response, Callback callback) {
      List<Views.ApplicationRow> rows = new ArrayList<>();
      for (ObjectNode app : access.list(session.tenant())) {
        String name = app.path("name").asText();
        List<String> roles = new ArrayList<>();
        app.path("roles").forEach(r -> roles.add(r.path("name").asText()));
        rows.add(
            new Views.ApplicationRow(
                new Views.Link(name, PREFIX + "/access/" + encode(name)),
                app.path("description").asText(""),
                String.join(", ", roles)));
      }
      html(
          response,
          callback,
          200,
          render(
              "applications.jte",
              Map.of("chrome", chrome("Access", "access"), "page", new Views.Applications(rows))));
    }

    void application(String name, Response response, Callback callback) {
      Optional<ObjectNode> shown = access.show(session.tenant(), name);
      if (shown.isEmpty()) {
        problem(
            response,
            callback,
            404,
            "No such application",
            "There is no application " + name + " in this tenant.");
        return;
      }
      AccessHistory history = access.history(scope);
      Instant now = clock.instant();
      List<Views.RoleHolders> roles = new ArrayList<>();
      for (JsonNode role : shown.get().path("roles")) {
        String r = role.path("name").asText();
        List<String> permissions = new ArrayList<>();
        role.path("permissions").forEach(p -> permissions.add(p.asText()));
        List<Views.Holder> holders = new ArrayList<>();
        for (JsonNode h : history.holders(name, r, null, now).path("holders")) {
          String kind = h.path("type").asText();
          String hid = h.path("id").asText();
          holders.add(
              new Views.Holder(
                  new Views.Link(
                      h.path("display").asText(hid),
                      PREFIX + (kind.equals("agent") ? "/agents/" : "/users/") + encode(hid)),
                  kind,
                  h.path("active").asBoolean(true) ? "yes" : "no",
                  grants(h.path("grants"))));
        }
        roles.add(new Views.RoleHolders(r, String.join(", ", permissions), holders));
      }
      Views.Application page =
          new Views.Application(name, shown.get().path("description").asText(""), roles);
      html(
          response,
          callback,
          200,
          render("application.jte", Map.of("chrome", chrome(name, "access"), "page", page)));
    }

    // ---------------------------------------------------------------- targets

    void targets(Response response, Callback callback) {
      List<Views.TargetRow> rows = new ArrayList<>();
      for (ObjectNode t : hub.hub().list(session.tenant())) {
        rows.add(targetRow(t));
      }
      html(
          response,
          callback,
          200,
          render(
              "targets.jte",
              Map.of("chrome", chrome("Targets", "targets"), "page", new Views.Targets(rows))));
    }

    /** A target's page; {@code reconciled}, {@code notice} and {@code error} after a POST. */
    void target(
        String name,
        Map<String, String> query,
        Views.@Nullable Reconciled reconciled,
        @Nullable String notice,
        @Nullable String error,
        int status,
        Response response,
        Callback callback) {
      Optional<ObjectNode> shown = hub.hub().show(session.tenant(), name);
      if (shown.isEmpty()) {
        noTarget(name, response, callback);
        return;
      }
      ObjectNode t = shown.get();
      long after = cursor(query.get("after"));
      List<HubRecords.DeadLetter> found =
          hub.hub().deadLetters(session.tenant(), name, after, DEAD_LETTERS_PAGE);
      List<Views.DeadLetterRow> letters = new ArrayList<>();
      for (HubRecords.DeadLetter d : found) {
        String kind = d.resourceType().equals("Group") ? "groups" : "users";
        letters.add(
            new Views.DeadLetterRow(
                d.seq(),
                d.at().toString(),
                new Views.Link(
                    d.resourceType() + " " + d.resourceId(),
                    PREFIX + "/" + kind + "/" + encode(d.resourceId())),
                d.attempts(),
                d.error(),
                d.replayed() == null ? "" : d.replayed().toString()));
      }
      String next =
          found.size() < DEAD_LETTERS_PAGE
              ? null
              : PREFIX + "/targets/" + encode(name) + "?after=" + found.get(found.size() - 1).seq();
      Views.TargetDetail detail =
          new Views.TargetDetail(
              targetRow(t),
              t.path("type").asText().equals("scim"),
              letters,
              next,
              reconciled,
              notice,
              error);
      html(
          response,
          callback,
          status,
          render("target.jte", Map.of("chrome", chrome(name, "targets"), "page", detail)));
    }

    /** Replays one dead letter ({@code seq}) or all of them, as the admin API does. */
    private void replay(String name, Fields form, Response response, Callback callback) {
      if (hub.hub().show(session.tenant(), name).isEmpty()) {
        noTarget(name, response, callback);
        return;
      }
      String given = Objects.requireNonNullElse(form.getValue("seq"), "").trim();
      Long only = null;
      if (!given.isEmpty()) {
        long seq = -1;
        try {
          seq = Long.parseLong(given);
        } catch (NumberFormatException e) {
          // refused below
        }
        if (seq < 1) {
          target(
              name,
              Map.of(),
              null,
              null,
              "\"" + given + "\" is not the number of a dead letter; nothing was replayed.",
              400,
              response,
              callback);
          return;
        }
        only = seq;
      }
      int marked = hub.hub().replay(scope, name, only);
      if (only != null && marked == 0) {
        target(
            name,
            Map.of(),
            null,
            null,
            "The target has no dead letter " + only + " to replay; nothing was replayed.",
            404,
            response,
            callback);
        return;
      }
      hub.wake();
      target(
          name,
          Map.of(),
          null,
          marked == 1
              ? "1 dead letter will be delivered again."
              : marked + " dead letters will be delivered again.",
          null,
          200,
          response,
          callback);
    }

    /** A reconcile dry run: what a repair would change, changing nothing. */
    private void reconcile(String name, Response response, Callback callback) {
      Optional<Reconciling.Result> result;
      try {
        result = Reconciling.reconcile(hub.hub(), session.tenant(), name, true);
      } catch (IllegalArgumentException e) {
        target(name, Map.of(), null, null, e.getMessage(), 409, response, callback);
        return;
      }
      if (result.isEmpty()) {
        noTarget(name, response, callback);
        return;
      }
      Reconciling.Result r = result.get();
      List<Views.Finding> findings = new ArrayList<>();
      for (Reconcile.Finding f : r.report().findings()) {
        findings.add(
            new Views.Finding(
                r.action(f),
                f.kind(),
                f.resourceType(),
                Objects.requireNonNullElse(f.id(), ""),
                Objects.requireNonNullElse(f.remoteId(), ""),
                f.detail()));
      }
      List<String> counts = new ArrayList<>();
      r.counts().forEach((action, n) -> counts.add(n + " to " + action));
      Views.Reconciled shown =
          new Views.Reconciled(String.join(", ", counts), findings, r.report().error());
      target(name, Map.of(), shown, null, null, 200, response, callback);
    }

    private void noTarget(String name, Response response, Callback callback) {
      problem(
          response,
          callback,
          404,
          "No such target",
          "There is no target " + name + " in this tenant; nothing was changed.");
    }

    private Views.TargetRow targetRow(JsonNode t) {
      String name = t.path("name").asText();
      JsonNode st = t.path("status");
      long pending = st.path("pending").asLong(0);
      double lag = Telemetry.lagSeconds(st, clock.instant());
      return new Views.TargetRow(
          new Views.Link(name, PREFIX + "/targets/" + encode(name)),
          t.path("type").asText(),
          st.path("state").asText("unknown"),
          st.path("pausedReason").asText(""),
          pending,
          st.has("oldestPendingAgeMs") ? age(st.path("oldestPendingAgeMs").asLong()) : "",
          pending > 0 ? age((long) (lag * 1000)) : "",
          st.path("attempts").asLong(0),
          st.path("deadLetters").asLong(0),
          st.path("lastError").asText(""));
    }

    private Optional<Credentials.Client> ownClient(String id) {
      return admin.client(session.tenant(), id).filter(c -> c.tenant().equals(session.tenant()));
    }

    void clients(@Nullable String error, int status, Response response, Callback callback) {
      List<Views.ClientRow> rows = new ArrayList<>();
      for (Credentials.Client c : admin.clients(session.tenant())) {
        rows.add(
            new Views.ClientRow(
                new Views.Link(c.name(), PREFIX + "/clients/" + encode(c.id())),
                String.join(" ", new java.util.TreeSet<>(c.scopes())),
                c.created().toString()));
      }
      Views.Clients page = new Views.Clients(rows, CLIENT_SCOPES, error);
      html(
          response,
          callback,
          status,
          render("clients.jte", Map.of("chrome", chrome("Clients", "clients"), "page", page)));
    }

    void client(
        String id,
        Views.@Nullable Secret secret,
        @Nullable String error,
        int status,
        Response response,
        Callback callback) {
      Optional<Credentials.Client> found = ownClient(id);
      if (found.isEmpty()) {
        noSuchClient(response, callback, id);
        return;
      }
      Credentials.Client c = found.get();
      List<Views.Token> tokens = new ArrayList<>();
      for (Credentials.Credential t : admin.credentials(c)) {
        tokens.add(
            new Views.Token(
                t.id(),
                t.kind().name().toLowerCase(java.util.Locale.ROOT),
                t.hint(),
                t.created().toString(),
                t.expires() == null ? "never" : String.valueOf(t.expires()),
                t.lastUsed() == null ? "never" : String.valueOf(t.lastUsed())));
      }
      Views.ClientDetail detail =
          new Views.ClientDetail(
              c.id(),
              c.name(),
              String.join(" ", new java.util.TreeSet<>(c.scopes())),
              c.created().toString(),
              tokens,
              secret,
              error);
      html(
          response,
          callback,
          status,
          render("client.jte", Map.of("chrome", chrome(c.name(), "clients"), "client", detail)));
    }

    /** The resource as a GET shows it, or null when there is none. */
    private @Nullable JsonNode resource(ResourceType type, String id, @Nullable String excluded) {
      try {
        return read(out -> service.get(scope, type, id, base, null, excluded, null, out));
      } catch (ScimException e) {
        if (e.error().status() == 404) {
          return null;
        }
        throw e;
      }
    }

    private Views.History history(String type, String id, Map<String, String> query, String href) {
      long after = cursor(query.get("after"));
      AuditEntries.Page page =
          AuditEntries.history(store, session.tenant(), type, id, after, HISTORY_PAGE);
      List<Views.Change> changes = new ArrayList<>();
      for (JsonNode e : page.entries()) {
        String by = e.path("principalName").asText(e.path("principal").asText());
        String what = e.path("operation").asText();
        if (e.hasNonNull("resourceName")) {
          what += " (" + e.get("resourceName").asText() + ")";
        } else if (!e.path("resourceId").asText().equals(id)) {
          what += " (" + e.path("resourceType").asText() + ")";
        }
        String detail = e.path("change").toString();
        if (detail.length() > 400) {
          detail = detail.substring(0, 400) + "…";
        }
        changes.add(
            new Views.Change(e.path("seq").asLong(), e.path("at").asText(), by, what, detail));
      }
      Long next = page.next();
      return new Views.History(changes, next == null ? null : href + "?after=" + next);
    }
  }

  /** What a read of the SCIM service answers, as a JSON tree; its errors are thrown. */
  private static JsonNode read(
      java.util.function.Consumer<io.scimd.server.service.Responder> call) {
    JsonNode[] tree = {null};
    call.accept(
        (status, headers, body) -> {
          tree[0] = body == null ? JSON.nullNode() : tree(body);
        });
    JsonNode t = tree[0];
    return t == null ? JSON.nullNode() : t;
  }

  private static JsonNode tree(JsonBody body) {
    try (TokenBuffer buffer = new TokenBuffer(JSON, false)) {
      body.writeTo(buffer);
      return JSON.readTree(buffer.asParser());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The grants behind a role, as a person reads them: by which rule, group, inclusion, owner. */
  private static String grants(JsonNode grants) {
    List<String> out = new ArrayList<>();
    for (JsonNode g : grants) {
      StringBuilder b = new StringBuilder("rule ").append(g.path("rule").asText());
      if (g.has("group")) {
        b.append(", group ")
            .append(g.path("group").path("display").asText(g.path("group").path("id").asText()))
            .append(" (")
            .append(g.path("group").path("membership").asText())
            .append(')');
      }
      if (g.has("includedBy")) {
        b.append(", included by ").append(g.path("includedBy").asText());
      }
      if (g.has("owner")) {
        b.append(", owner ").append(g.path("owner").asText());
      }
      out.add(b.toString());
    }
    return String.join("; ", out);
  }

  private static String primaryEmail(JsonNode user) {
    String first = "";
    for (JsonNode e : user.path("emails")) {
      if (e.path("primary").asBoolean(false)) {
        return e.path("value").asText();
      }
      if (first.isEmpty()) {
        first = e.path("value").asText();
      }
    }
    return first;
  }

  // ------------------------------------------------------------------ HTTP helpers

  private String render(String template, Map<String, Object> params) {
    StringOutput out = new StringOutput();
    templates.render(template, params, out);
    return out.toString();
  }

  private void problem(
      Response response, Callback callback, int status, String title, String detail) {
    html(
        response,
        callback,
        status,
        render("problem.jte", Map.of("page", new Views.Problem(status, title, detail))));
  }

  private static void notAllowed(Response response, Callback callback) {
    response.getHeaders().put(HttpHeader.ALLOW, "GET, POST");
    response.setStatus(405);
    Content.Sink.write(response, true, "method not allowed\n", callback);
  }

  private static void html(Response response, Callback callback, int status, String body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html; charset=utf-8");
    response.getHeaders().put("Content-Security-Policy", CSP);
    response.getHeaders().put("X-Frame-Options", "DENY");
    if (status == 503) {
      // A busy or unreachable store, as the API says it: when to try again.
      response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
    }
    response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
  }

  private static void redirect(Response response, Callback callback, String location) {
    response.setStatus(303);
    response.getHeaders().put(HttpHeader.LOCATION, location);
    callback.succeeded();
  }

  private void asset(String name, Response response, Callback callback) {
    byte[] body;
    String type;
    switch (name) {
      case "console.css" -> {
        body = css;
        type = "text/css; charset=utf-8";
      }
      case "htmx.min.js" -> {
        body = htmx;
        type = "text/javascript; charset=utf-8";
      }
      default -> {
        response.setStatus(404);
        Content.Sink.write(response, true, "no such asset\n", callback);
        return;
      }
    }
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
    // The security headers say no-store for everything; assets may be kept for an hour.
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "private, max-age=3600");
    response.write(true, ByteBuffer.wrap(body), callback);
  }

  private static @Nullable Fields form(Request request) {
    String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
    if (type == null
        || !type.toLowerCase(java.util.Locale.ROOT)
            .startsWith("application/x-www-form-urlencoded")) {
      return null;
    }
    try {
      return FormFields.getFields(request, MAX_FORM_FIELDS, MAX_FORM_BYTES);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static Map<String, String> query(Request request) {
    Map<String, String> out = new java.util.HashMap<>();
    try {
      for (Fields.Field f : Request.extractQueryParameters(request, StandardCharsets.UTF_8)) {
        if (!f.getValues().isEmpty()) {
          out.putIfAbsent(f.getName(), f.getValue());
        }
      }
    } catch (RuntimeException e) {
      // A query string that is not UTF-8 percent-encoding: the page without its parameters.
    }
    return out;
  }

  private static @Nullable String cookie(Request request, String name) {
    for (HttpCookie c : Request.getCookies(request)) {
      if (c.getName().equals(name)) {
        return c.getValue();
      }
    }
    return null;
  }

  private static HttpCookie expiredCookie(Request request, String name, String path) {
    return HttpCookie.build(name, "")
        .path(path)
        .httpOnly(true)
        .secure(secure(request))
        .sameSite(HttpCookie.SameSite.STRICT)
        .maxAge(0)
        .build();
  }

  /** Whether the browser reached scimd over HTTPS, itself or through a trusted proxy. */
  private static boolean secure(Request request) {
    String scheme = request.getHttpURI().getScheme();
    return request.isSecure() || "https".equalsIgnoreCase(scheme);
  }

  private static String path(Request request) {
    String p = request.getHttpURI().getPath();
    return p == null ? "" : p;
  }

  /**
   * A page's {@code after}: a journal or audit number, which outgrows an int. Anything else is a
   * 400 ({@link BadCursor}), never the first page again as if nothing were wrong.
   */
  private static long cursor(@Nullable String text) {
    if (text == null || text.isBlank()) {
      return 0;
    }
    try {
      long seq = Long.parseLong(text.trim());
      if (seq >= 0) {
        return seq;
      }
    } catch (NumberFormatException e) {
      // falls through: a 400
    }
    throw new BadCursor();
  }

  /** An {@code after} that is no journal number; answered 400. */
  private static final class BadCursor extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadCursor() {
      super("bad page cursor", null, false, false);
    }
  }

  private static int number(@Nullable String text) {
    if (text == null) {
      return 0;
    }
    try {
      return Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** A duration as a person reads it: 850 ms, 42 s, 3 min 5 s, 2 h 10 min, 3 d 4 h. */
  static String age(long ms) {
    if (ms < 1000) {
      return ms + " ms";
    }
    long s = ms / 1000;
    if (s < 60) {
      return s + " s";
    }
    if (s < 3600) {
      return s / 60 + " min " + s % 60 + " s";
    }
    if (s < 86400) {
      return s / 3600 + " h " + s % 3600 / 60 + " min";
    }
    return s / 86400 + " d " + s % 86400 / 3600 + " h";
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String decode(String s) {
    try {
      return java.net.URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return s;
    }
  }

  private static String htmxResource() {
    return "/META-INF/resources/webjars/htmx.org/" + HTMX_VERSION + "/dist/htmx.min.js";
  }

  /** The htmx version the WebJar on the class path carries (scimd-server/pom.xml). */
  static final String HTMX_VERSION = "2.0.4";

  private static byte[] resource(String name) {
    try (InputStream in = Console.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(
            "the console's resource " + name + " is missing from the build");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The 404 page of a client id this tenant does not have (or no longer has). */
  private void noSuchClient(Response response, Callback callback, String id) {
    problem(
        response, callback, 404, "No such client", "There is no client " + id + " in this tenant.");
  }

  /** The last instant an audit filter takes: the store counts microseconds in a {@code long}. */
  private static final Instant LATEST_AUDIT_TIME = Instant.parse("9999-12-31T23:59:59Z");

  /**
   * An audit filter's time: an ISO 8601 instant no later than the year 9999, so a far-out one is
   * refused as such rather than overflowing the store's microseconds.
   */
  private static Instant auditTime(String text) {
    Instant t = Instant.parse(text);
    if (t.isAfter(LATEST_AUDIT_TIME)) {
      throw new java.time.format.DateTimeParseException("after the year 9999", text, 0);
    }
    return t;
  }
}
