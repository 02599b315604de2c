package io.scimd.store;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One page of an audit trail search or history, in journal order.
 *
 * @param entries the entries found, as stored
 * @param next where the next page starts ({@link AuditQuery#afterSeq()}); null when nothing more
 *     can match. A page may be short, or empty, and still have a next one: the search stopped after
 *     examining {@link AuditQuery#MAX_EXAMINED} entries.
 */
public record AuditPage(List<AuditRecord> entries, @Nullable Long next) {
  public AuditPage {
    entries = List.copyOf(entries);
  }
}
