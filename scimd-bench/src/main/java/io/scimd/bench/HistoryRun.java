package io.scimd.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.access.AccessModel;
import io.scimd.access.Application;
import io.scimd.access.Entitlements;
import io.scimd.access.Identity;
import io.scimd.access.JournalDirectory;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.Member;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Access history's benchmark (issue 9 §5): one subject's roles at a past instant, over a journal of
 * about 1,000,000 entries, must take at most 50 ms. Seeds a SQLite store through the store API in
 * transactions of 1,000 writes: 200,000 users; a group {@code engineering} that gains 100,000 of
 * them one PATCH at a time (as Okta pushes memberships), so it has 100,000 membership entries of
 * its own; {@code backend} nested in it; 700,000 PATCHes of users' titles; an application whose
 * rules name both groups and a filter, changed half-way. Among them one subject, {@code
 * subject@example.com}, joins backend and two other groups, is patched, and leaves one group at
 * known points. Then it times {@link JournalDirectory} + {@link Entitlements} for that subject at
 * an instant two thirds into the journal, {@code --queries} times (a new directory each time, as a
 * request makes), and prints the median and p99.
 *
 * <pre>
 * ./mvnw -q -Pbench -DskipTests package
 * $(bin/find-java) -cp scimd-bench/target/benchmarks.jar io.scimd.bench.HistoryRun [--dir DIR] [--queries 200]
 * </pre>
 *
 * A {@code --dir} that was seeded before is reused (the seed takes minutes).
 */
public final class HistoryRun {
  static final int USERS = 200_000;
  static final int JOINS = 100_000;
  static final int PATCHES = 700_000;
  static final int BATCH = 1_000;

  private HistoryRun() {}

  public static void main(String[] args) throws Exception {
    Path dir = null;
    int queries = 200;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--dir" -> dir = Path.of(args[++i]);
        case "--queries" -> queries = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (dir == null) {
      dir = Files.createTempDirectory("scimd-history");
    }
    Files.createDirectories(dir);
    boolean seeded = Files.exists(dir.resolve("history-seeded"));
    SchemaRegistry registry = SchemaRegistry.builtIn();
    try (Store store = BenchStore.open(dir)) {
      Scope scope = Scope.system(Scope.DEFAULT_TENANT, "bench");
      AccessModel access = new AccessModel(store, registry);
      if (!seeded) {
        long t = System.nanoTime();
        seed(store, access, scope);
        Files.writeString(dir.resolve("history-seeded"), "yes");
        System.out.printf("seeded in %.0f s%n", (System.nanoTime() - t) / 1e9);
      }
      long entries =
          store.audit().read(r -> r.head(Scope.DEFAULT_TENANT).map(h -> h.seq()).orElse(0L));
      // The instant of the entry two thirds into the journal: after the subject left book-club,
      // before it left sre.
      Instant at =
          store
              .audit()
              .read(r -> r.records(Scope.DEFAULT_TENANT, entries * 2 / 3 - 1, 1))
              .get(0)
              .time();
      System.out.printf("journal: %,d entries; the instant: %s%n", entries, at);
      String engineering =
          store.read(
              scope,
              r ->
                  r.query(
                          "Group",
                          new io.scimd.store.Query(
                              io.scimd.core.filter.Filter.eq("displayName", "engineering"),
                              null,
                              1,
                              1,
                              null,
                              io.scimd.store.Load.NONE))
                      .resources()
                      .get(0)
                      .id());
      long whole = System.nanoTime();
      int read = wholeHistory(store, engineering);
      System.out.printf(
          "for comparison, engineering's whole history (what a replay read before"
              + " AuditReader.lifecycle): %,d entries in %.0f ms%n",
          read, (System.nanoTime() - whole) / 1e6);

      String subject = "subject@example.com";
      // Warm up, and show the answer once.
      JournalDirectory once = access.at(scope, at);
      Identity who = once.subject(Identity.Kind.USER, subject).orElseThrow();
      System.out.println("groups then: " + who.groups());
      for (Application app : once.applications()) {
        System.out.println(
            app.name() + " then: " + Entitlements.of(who, app, once).roles().keySet());
      }
      for (int i = 0; i < 20; i++) {
        time(access, scope, at, subject);
      }
      long[] ns = new long[queries];
      for (int i = 0; i < queries; i++) {
        ns[i] = time(access, scope, at, subject);
      }
      Arrays.sort(ns);
      System.out.printf(
          "history of one subject at a past instant, %d queries: median %.2f ms, p99 %.2f ms,"
              + " max %.2f ms%n",
          queries,
          ns[queries / 2] / 1e6,
          ns[(int) Math.ceil(queries * 0.99) - 1] / 1e6,
          ns[queries - 1] / 1e6);
    }
  }

  /** Reads a group's whole history, its own membership entries included; how many entries. */
  static int wholeHistory(Store store, String group) {
    return store
        .audit()
        .read(
            r -> {
              int n = 0;
              long after = 0;
              while (true) {
                io.scimd.store.AuditPage p =
                    r.history(Scope.DEFAULT_TENANT, "Group", group, after, 1_000);
                n += p.entries().size();
                if (p.next() == null) {
                  return n;
                }
                after = p.next();
              }
            });
  }

  /** One query as the history endpoint makes it: a new directory, the subject, every app. */
  static long time(AccessModel access, Scope scope, Instant at, String subject) {
    long t = System.nanoTime();
    JournalDirectory d = access.at(scope, at);
    Identity who = d.subject(Identity.Kind.USER, subject).orElseThrow();
    int roles = 0;
    for (Application app : d.applications()) {
      roles += Entitlements.of(who, app, d).roles().size();
    }
    if (roles == 0) {
      throw new IllegalStateException("the subject held nothing then");
    }
    return System.nanoTime() - t;
  }

  /** Seeds the store. */
  static void seed(Store store, AccessModel access, Scope scope) {
    Random random = new Random(42);
    List<String> users = new ArrayList<>(USERS);
    String subjectId =
        store.write(
            scope,
            tx -> {
              ObjectNode a = Users.attributes(USERS, "subject@example.com");
              return tx.insert("User", a).id();
            });
    for (int start = 0; start < USERS; start += BATCH) {
      int from = start;
      store.write(
          scope,
          tx -> {
            for (int i = from; i < from + BATCH; i++) {
              users.add(tx.insert("User", Users.attributes(i, Users.userName(i))).id());
            }
            return null;
          });
    }
    String engineering = group(store, scope, "engineering");
    String backend = group(store, scope, "backend");
    String sre = group(store, scope, "sre");
    String books = group(store, scope, "book-club");
    members(store, scope, engineering, List.of(new Member(backend, "Group")));
    access.create(
        scope,
        Users.MAPPER
            .createObjectNode()
            .put("name", "ci")
            .set(
                "roles",
                json(
                    "[{\"name\":\"viewer\"},{\"name\":\"developer\",\"includes\":[\"viewer\"]},"
                        + "{\"name\":\"deployer\",\"includes\":[\"developer\"]}]")));
    access.update(
        scope,
        "ci",
        json(
            "{\"roles\":[{\"name\":\"viewer\"},{\"name\":\"developer\",\"includes\":[\"viewer\"]},"
                + "{\"name\":\"deployer\",\"includes\":[\"developer\"]}],"
                + "\"rules\":[{\"name\":\"engineers\",\"groups\":[\""
                + engineering
                + "\"],\"roles\":[\"developer\"]},{\"name\":\"sre\",\"groups\":[\""
                + sre
                + "\"],\"roles\":[\"deployer\"]},{\"name\":\"titled\",\"filter\":"
                + "\"title eq \\\"Staff Engineer\\\"\",\"roles\":[\"viewer\"]}]}"));
    access.create(
        scope,
        json(
            "{\"name\":\"wiki\",\"roles\":[{\"name\":\"reader\"}],\"rules\":[{\"name\":\"all\","
                + "\"groups\":[\""
                + books
                + "\"],\"roles\":[\"reader\"]}]}"));

    // The journal: membership joins one at a time and title patches, interleaved; the subject's
    // own events at fixed points of it.
    int steps = JOINS + PATCHES;
    int[] joined = {0};
    for (int start = 0; start < steps; start += BATCH) {
      int from = start;
      store.write(
          scope,
          tx -> {
            for (int s = from; s < Math.min(steps, from + BATCH); s++) {
              if (s % ((steps + JOINS - 1) / JOINS) == 0 && joined[0] < JOINS) {
                tx.addMembers(engineering, List.of(new Member(users.get(joined[0]++), "User")));
              } else {
                int i = random.nextInt(USERS);
                ObjectNode a = Users.attributes(i, Users.userName(i));
                a.put("title", "Engineer " + random.nextInt(1_000));
                tx.patch("User", users.get(i), a);
              }
            }
            return null;
          });
      // At batch boundaries only: each point is a multiple of BATCH.
      int s = start;
      if (s == steps / 10) {
        members(store, scope, backend, List.of(new Member(subjectId, "User")));
        members(store, scope, books, List.of(new Member(subjectId, "User")));
      } else if (s == steps / 4) {
        members(store, scope, sre, List.of(new Member(subjectId, "User")));
        patchSubject(store, scope, subjectId, "Staff Engineer");
      } else if (s == steps / 2) {
        store.write(scope, tx -> tx.removeMembers(books, List.of(subjectId)));
      } else if (s == steps * 4 / 5) {
        store.write(scope, tx -> tx.removeMembers(sre, List.of(subjectId)));
        patchSubject(store, scope, subjectId, "Manager");
      }
    }
  }

  static void patchSubject(Store store, Scope scope, String id, String title) {
    store.write(
        scope,
        tx -> {
          ObjectNode a = Users.attributes(USERS, "subject@example.com");
          a.put("title", title);
          return tx.patch("User", id, a);
        });
  }

  static String group(Store store, Scope scope, String name) {
    return store
        .write(
            scope,
            tx -> tx.insert("Group", Users.MAPPER.createObjectNode().put("displayName", name)))
        .id();
  }

  static void members(Store store, Scope scope, String group, List<Member> members) {
    store.write(scope, tx -> tx.addMembers(group, members));
  }

  static com.fasterxml.jackson.databind.JsonNode json(String text) {
    try {
      return Users.MAPPER.readTree(text);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
