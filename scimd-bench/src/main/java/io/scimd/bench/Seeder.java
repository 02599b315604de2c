package io.scimd.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.store.Member;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.store.StoredResource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Fills a store with {@link Users} and groups straight through the store API, in batched
 * transactions: the fastest way in (no HTTP, no JSON text, one commit per {@value #BATCH} rows), so
 * a 100,000-user fixture costs seconds, not the minutes that as many POSTs would.
 */
final class Seeder {
  static final int BATCH = 1_000;
  static final int MEMBER_BATCH = 10_000;

  /**
   * What was seeded.
   *
   * @param userIds the ids of users 0..n-1, in index order
   * @param markLastModified the lastModified of the user {@code n - 101}: {@code meta.lastModified
   *     gt} it matches about the last 100 users
   */
  record Seeded(List<String> userIds, Instant markLastModified) {}

  private Seeder() {}

  static Seeded users(Store store, int n) {
    List<String> ids = new ArrayList<>(n);
    Instant[] mark = {Instant.EPOCH};
    int markIndex = Math.max(0, n - 101);
    for (int start = 0; start < n; start += BATCH) {
      int from = start;
      int to = Math.min(n, start + BATCH);
      store.write(
          Scope.system(Scope.DEFAULT_TENANT, "bench"),
          tx -> {
            for (int i = from; i < to; i++) {
              StoredResource r = tx.insert("User", Users.attributes(i, Users.userName(i)));
              ids.add(r.id());
              if (i == markIndex) {
                mark[0] = r.meta().lastModified();
              }
            }
            return null;
          });
    }
    return new Seeded(List.copyOf(ids), mark[0]);
  }

  /** Creates a group whose members are {@code members}, and returns its id. */
  static String group(Store store, String displayName, List<String> members) {
    ObjectNode attrs = Users.MAPPER.createObjectNode().put("displayName", displayName);
    String id =
        store.write(
            Scope.system(Scope.DEFAULT_TENANT, "bench"), tx -> tx.insert("Group", attrs).id());
    for (int start = 0; start < members.size(); start += MEMBER_BATCH) {
      List<Member> batch =
          members.subList(start, Math.min(members.size(), start + MEMBER_BATCH)).stream()
              .map(m -> new Member(m, "User"))
              .toList();
      store.write(
          Scope.system(Scope.DEFAULT_TENANT, "bench"),
          tx -> {
            tx.addMembers(id, batch);
            return null;
          });
    }
    return id;
  }
}
