package io.scimd.server.console;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What the console's templates show, one record per page part. Public only because the compiled
 * templates live in jte's own package; nothing outside the console builds them. Links are complete
 * hrefs built and encoded here, so that templates only place text (jte escapes it).
 */
public final class Views {
  private Views() {}

  /**
   * The frame of every signed-in page.
   *
   * @param section the navigation entry shown as current ({@code users}, {@code groups}, ...)
   * @param who who is signed in, as the header shows it
   * @param csrf the session's CSRF token, for the sign-out form
   */
  public record Chrome(String title, String section, String who, String tenant, String csrf) {}

  /**
   * The sign-in page.
   *
   * @param oidc the identity provider's name for its "Sign in with" button; null when the console
   *     has no OIDC sign-in
   */
  public record SignIn(String csrf, @Nullable String error, @Nullable String oidc) {}

  /** The page a successful OIDC sign-in answers, which takes the browser on to the console. */
  public record SignedIn(String who, String next) {}

  /** An error page, signed in or not. */
  public record Problem(int status, String title, String detail) {}

  /** A link: its text and href. */
  public record Link(String text, String href) {}

  /**
   * A cursor-paged list of users or groups.
   *
   * @param filter the SCIM filter as typed, "" for none
   * @param error why the filter was refused, else null
   * @param total how many match, as the store counts them
   * @param previous the previous page's href, null on the first
   * @param next the next page's href, null on the last
   */
  public record Listing(
      String kind,
      String filter,
      @Nullable String error,
      List<Row> rows,
      long total,
      @Nullable String previous,
      @Nullable String next) {}

  /** One row of a list: the resource's link and up to three more columns. */
  public record Row(Link name, String second, String third, String fourth) {}

  /** A user's details page. */
  public record UserDetail(
      String id,
      String userName,
      String displayName,
      boolean active,
      List<String> emails,
      String created,
      String lastModified,
      List<Link> groups,
      History history) {}

  /** A group's details page, its members a page at a time. */
  public record GroupDetail(
      String id,
      String displayName,
      String created,
      String lastModified,
      List<Link> members,
      long memberCount,
      @Nullable String first,
      @Nullable String next,
      History history) {}

  /** A page of a resource's changes, from the journal (the audit trail). */
  public record History(List<Change> changes, @Nullable String older) {}

  /** One change: its journal seq, time, who made it, what kind, and what changed. */
  public record Change(long seq, String at, String by, String kind, String detail) {}

  /** The clients page: every client of the tenant, and the form that creates one. */
  public record Clients(List<ClientRow> clients, List<String> scopes, @Nullable String error) {}

  /** One client in the list. */
  public record ClientRow(Link name, String scopes, String created) {}

  /**
   * One client with its live tokens.
   *
   * @param secret a secret just issued, shown in this answer only; null otherwise
   */
  public record ClientDetail(
      String id,
      String name,
      String scopes,
      String created,
      List<Token> tokens,
      @Nullable Secret secret,
      @Nullable String error) {}

  /** A live token or client secret, as its hint (never the secret). */
  public record Token(
      String id, String kind, String hint, String created, String expires, String lastUsed) {}

  /**
   * A secret just issued: shown once, never stored.
   *
   * @param ending the client's earlier secrets of that kind and when they stop working
   */
  public record Secret(String value, String kind, List<String> ending) {}

  /**
   * The audit trail page: the search as typed, a page of entries, the next page's and the export's
   * hrefs.
   */
  public record Audit(
      String resourceType,
      String resourceId,
      String client,
      String since,
      String until,
      @Nullable String error,
      List<AuditRow> entries,
      @Nullable String next,
      String export) {}

  /** One entry of the audit trail. */
  public record AuditRow(
      long seq, String at, String by, String kind, Link resource, String detail) {}

  /**
   * One hub target with its delivery status, as the targets list and a target's page show it.
   *
   * @param pausedReason why it is paused, "" when it is not
   * @param backlog journal entries not yet delivered to it
   * @param oldestPending the age of the oldest of them, "" when none
   * @param lag the time since it last took a delivery while changes wait, "" when none
   * @param failures failed attempts in a row at its next entry
   * @param lastError its last error, "" when none
   */
  public record TargetRow(
      Link name,
      String type,
      String state,
      String pausedReason,
      long backlog,
      String oldestPending,
      String lag,
      long failures,
      long deadLetters,
      String lastError) {}

  /** The targets page: every hub target of the tenant. */
  public record Targets(List<TargetRow> targets) {}

  /**
   * A target's page: its status, a page of its dead letters, and what a reconcile dry run found
   * when one was asked for.
   *
   * @param reconcilable whether it is a scim target, the kind a reconcile compares
   * @param notice what the last action did (a replay), else null
   * @param error why the last action was refused, else null
   * @param nextLetters the next page of dead letters' href, null on the last
   */
  public record TargetDetail(
      TargetRow status,
      boolean reconcilable,
      List<DeadLetterRow> letters,
      @Nullable String nextLetters,
      @Nullable Reconciled reconciled,
      @Nullable String notice,
      @Nullable String error) {}

  /** A change the target refused for good; {@code replayed} is when it was sent again, or "". */
  public record DeadLetterRow(
      long seq, String at, Link resource, int attempts, String error, String replayed) {}

  /**
   * What a reconcile dry run found: nothing was changed.
   *
   * @param summary how many creates, updates, deactivations and deletions a repair would make
   * @param error why the comparison stopped early, else null
   */
  public record Reconciled(String summary, List<Finding> findings, @Nullable String error) {}

  /** One difference between the directory and the target, and what repairing it would do. */
  public record Finding(
      String action, String kind, String resourceType, String id, String remoteId, String detail) {}

  /**
   * An agent's page: its owners and the roles it holds in each application, with the grant behind
   * each.
   */
  public record AgentDetail(
      String id,
      String agentUserName,
      String displayName,
      boolean active,
      String created,
      String lastModified,
      List<Link> owners,
      List<Held> roles,
      @Nullable String accessError,
      History history) {}

  /** A role a subject holds in an application, and how (the grants that give it). */
  public record Held(String application, String role, String grants) {}

  /** The access page: the tenant's applications. */
  public record Applications(List<ApplicationRow> applications) {}

  /** One application in the list. */
  public record ApplicationRow(Link name, String description, String roles) {}

  /** An application's page: each of its roles and who holds it now. */
  public record Application(String name, String description, List<RoleHolders> roles) {}

  /** A role and its holders. */
  public record RoleHolders(String role, String permissions, List<Holder> holders) {}

  /** A subject that holds a role: a user or an agent, and the grants that give it. */
  public record Holder(Link subject, String type, String active, String grants) {}
}
