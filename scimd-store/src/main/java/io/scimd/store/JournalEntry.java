package io.scimd.store;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One entry of the change journal: one {@link Change}, appended by the transaction that made it and
 * visible exactly when that transaction commits.
 *
 * <p>{@code seq} numbers a tenant's entries 1, 2, 3, ... in commit order with no gaps, the same for
 * every reader on every node: a reader that has seen entry {@code n} has seen everything before it,
 * and the next entry it will ever see is {@code n + 1} (docs/decisions/0007-change-journal.md).
 *
 * @param at when the change was made (the write's clock, epoch microseconds precision)
 * @param principal who made it, as {@code kind:id} ({@code client:<id>}, {@code system:<name>})
 * @param principalName the principal's name for people (the client's name)
 * @param source the client's address, when the change came over the network
 * @param requestId the request that made it; every change of one request shares it
 * @param json the change as stored: the exact text the audit trail will hash
 */
public record JournalEntry(
    String tenant,
    long seq,
    Instant at,
    String principal,
    String principalName,
    @Nullable String source,
    String requestId,
    Change change,
    String json) {}
