package io.scimd.store;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What the provisioning hub keeps in the store (docs/decisions/0017-hub.md): the targets of each
 * tenant, and for each target its delivery cursor in the tenant's change journal, the lease of the
 * node delivering to it, its failures and dead letters, and the ids its resources have there.
 *
 * <p>The journal is the outbox: a target's cursor ({@link Cursor#nextSeq}) is the first entry not
 * yet delivered to it. A node delivers to a target only while it holds the target's lease, and
 * every step it records is fenced by that lease: a node that lost it (it stalled, another took
 * over) changes nothing. Target definitions are journaled in their tenant's journal like any other
 * change (resource type {@value #TARGET}), by the scope's principal, in the same transaction.
 */
public interface HubRecords {

  /** The journal's resource type of target definitions. */
  String TARGET = "Target";

  /**
   * A target as stored.
   *
   * @param type {@code scim}, {@code webhook}, {@code ssf}, ...
   * @param config the type's settings, mapping and scope as JSON, without secrets
   * @param secrets the secret settings sealed by the hub (never readable from the store alone)
   * @param pausedReason why deliveries to it are paused (by an operator, or the deletion guard);
   *     null when it is not paused
   */
  record Target(
      String tenant,
      String name,
      String type,
      String config,
      byte @Nullable [] secrets,
      @Nullable String pausedReason,
      Instant created,
      Instant updated,
      long version) {
    public boolean paused() {
      return pausedReason != null;
    }
  }

  /**
   * A target's version is not the one a change was based on: someone saved it in between. Its own
   * type, so that a caller may read the target again and retry this and nothing else (a database
   * failure is an {@link IllegalStateException} too).
   */
  final class StaleVersion extends IllegalStateException {
    public StaleVersion(String message) {
      super(message);
    }
  }

  /**
   * Saves a new target (journaled as created, its config as the attributes) and starts its cursor
   * after the tenant's newest journal entry: it receives the changes made from now on.
   *
   * @return the target, or empty when the tenant has a target of that name already
   */
  Optional<Target> create(
      Scope scope, String name, String type, String config, byte @Nullable [] secrets);

  /**
   * Replaces a target's config and secrets (journaled as replaced), when its version is still
   * {@code version}.
   *
   * @return the target as saved; empty when there is no such target
   * @throws StaleVersion when its version is no longer {@code version}
   */
  Optional<Target> update(
      Scope scope, String name, long version, String config, byte @Nullable [] secrets);

  /** Pauses (a reason) or resumes (null) a target; empty when there is no such target. */
  Optional<Target> pause(Scope scope, String name, @Nullable String reason);

  /**
   * Lets the deletions and deactivations that the deletion guard held for a target through, up to
   * journal entry {@code throughSeq}, and resumes it (journaled).
   *
   * @return the target; empty when there is no such target
   */
  Optional<Target> approve(Scope scope, String name, long throughSeq);

  /**
   * Moves a target's cursor to journal entry {@code toSeq} (journaled): what follows it is sent
   * again (back) or never (ahead). The lease is taken from whichever node holds it, so that node's
   * worker stops at its next step and the target is claimed again from the new cursor.
   *
   * @return the target; empty when there is no such target
   */
  Optional<Target> rewind(Scope scope, String name, long toSeq);

  /** Deletes a target with its cursor, dead letters and remote ids (journaled as deleted). */
  boolean delete(Scope scope, String name);

  Optional<Target> target(String tenant, String name);

  /** A tenant's targets, by name. */
  List<Target> targets(String tenant);

  /** Every tenant's targets: what the delivery workers serve. */
  List<Target> allTargets();

  /**
   * A target's delivery state.
   *
   * @param nextSeq the first journal entry of its tenant not yet delivered
   * @param owner the node that holds the lease, when one does
   * @param attempts failed attempts at delivering {@code nextSeq}
   * @param retryAt when the next attempt is due, after a failure
   * @param lastError the last failure, as the target said it
   * @param delivered how many entries were delivered in all
   * @param approvedThrough the newest entry an operator let through the deletion guard
   */
  record Cursor(
      String tenant,
      String target,
      long nextSeq,
      @Nullable String owner,
      @Nullable Instant leaseUntil,
      int attempts,
      @Nullable Instant retryAt,
      @Nullable String lastError,
      @Nullable Instant lastErrorAt,
      @Nullable Instant lastDeliveredAt,
      long delivered,
      long approvedThrough) {}

  Optional<Cursor> cursor(String tenant, String target);

  /**
   * Takes the leases of up to {@code max} unpaused targets of the given types that no node holds
   * (or whose lease expired before {@code now}) for {@code owner}, until {@code until}. On
   * PostgreSQL rows another node is claiming are skipped, not waited for. Targets the workers do
   * not push to (a poll stream, whose receiver moves its cursor: {@link #acknowledge}) are not of
   * those types.
   */
  List<Cursor> claim(String owner, Instant now, Instant until, int max, Collection<String> types);

  /**
   * Moves the cursor of a target that no worker leases (a poll stream) to {@code nextSeq}, forward
   * only.
   *
   * @return false when there is no such target or its cursor is at or past {@code nextSeq}
   */
  boolean acknowledge(String tenant, String target, long nextSeq, Instant now);

  /**
   * Records a step of delivery under the lease: the cursor moves to {@code nextSeq} ({@code
   * delivered} more entries were delivered), the failure state becomes {@code attempts}, {@code
   * retryAt}, {@code error} (the last one is kept when null), the lease is renewed until {@code
   * until}, and the entries in {@code deadLetters} are dead-lettered, all in one transaction.
   *
   * @return false, changing nothing, when {@code owner} no longer holds the lease
   */
  boolean record(Step step);

  /** One step of a target's delivery ({@link #record}). */
  record Step(
      String tenant,
      String target,
      String owner,
      Instant now,
      Instant until,
      long nextSeq,
      long delivered,
      int attempts,
      @Nullable Instant retryAt,
      @Nullable String error,
      List<DeadLetter> deadLetters) {
    public Step {
      deadLetters = List.copyOf(deadLetters);
    }
  }

  /** Gives a lease up (a node stopping), so another node can take the target at once. */
  void release(String tenant, String target, String owner);

  /**
   * A journal entry a target refused too often, set aside so the entries after it could go on.
   *
   * @param replayed when an operator asked for it to be delivered again; null while it waits
   */
  record DeadLetter(
      String tenant,
      String target,
      long seq,
      String resourceType,
      String resourceId,
      int attempts,
      String error,
      Instant at,
      @Nullable Instant replayed) {}

  /** How many dead letters a target has, replayed or waiting. */
  long deadLetterCount(String tenant, String target);

  /** A target's dead letters, oldest first, after {@code afterSeq}, at most {@code limit}. */
  List<DeadLetter> deadLetters(String tenant, String target, long afterSeq, int limit);

  /**
   * Marks dead letters for replay ({@code seq} null: all of the target's), journaled.
   *
   * @return how many were marked
   */
  int replay(Scope scope, String target, @Nullable Long seq);

  /** The dead letters marked for replay and not yet delivered again, oldest first. */
  List<DeadLetter> replays(String tenant, String target, int limit);

  /** Forgets a dead letter that was delivered again. */
  void replayed(String tenant, String target, long seq);

  /** The id a resource has on a target, when the hub created or found it there. */
  Optional<String> remoteId(String tenant, String target, String resourceType, String resourceId);

  /** Records (or, with null, forgets) the id a resource has on a target. */
  void remoteId(
      String tenant,
      String target,
      String resourceType,
      String resourceId,
      @Nullable String remoteId);

  /**
   * Something the hub keeps about a target beside its delivery, one per {@code kind}: the last
   * scheduled reconciliation ({@code reconcile}), the capabilities its ServiceProviderConfig
   * declares ({@code capabilities}). Deleted with the target.
   *
   * @param at when it was written (for {@code reconcile}: when the run started)
   * @param body JSON
   */
  record Note(String tenant, String target, String kind, Instant at, String body) {}

  Optional<Note> note(String tenant, String target, String kind);

  /**
   * Writes a note when the one held is still the one read (compare and set on its {@code at}): no
   * note when {@code expectedAt} is null, else one written at {@code expectedAt}. Of nodes that
   * read the same note and write at once, one wins: what makes a scheduled reconciliation run once
   * per due time whichever nodes look at it.
   *
   * @return whether this write won
   */
  boolean replaceNote(
      String tenant,
      String target,
      String kind,
      @Nullable Instant expectedAt,
      Instant at,
      String body);

  /** Writes a note whatever was held. */
  void putNote(String tenant, String target, String kind, Instant at, String body);
}
