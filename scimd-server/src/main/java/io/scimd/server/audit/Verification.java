package io.scimd.server.audit;

import io.scimd.store.AuditHash;
import io.scimd.store.AuditReader;
import io.scimd.store.AuditRecord;
import io.scimd.store.AuditTrail;
import io.scimd.store.Checkpoint;
import java.io.PrintWriter;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * What {@code scimd audit verify} finds: each tenant's journal walked from its first entry, every
 * hash recomputed ({@link AuditHash}), every link to the entry before checked, every checkpoint's
 * signature checked and its hash compared with the entry it names, all in one snapshot of the
 * store.
 *
 * <p>What that proves, and what it cannot. An entry edited in place no longer matches its hash; an
 * entry edited with its hash recomputed no longer matches the next entry's {@code prev_hash}; a
 * whole tail rewritten consistently no longer matches the checkpoint that signed its old head. An
 * entry removed leaves a gap in the numbers (or, at the start, a first entry no checkpoint vouches
 * for); one inserted or moved breaks the links around it; a tail removed leaves a checkpoint (or
 * PostgreSQL's journal counter) beyond the last entry. What no check can see is the removal of the
 * newest entries after the latest checkpoint, together with the counter where there is one: they
 * are chained, but nothing signed says they existed. The report says how many entries are in that
 * position, and checkpoints are written often (every minute by default) to keep it short.
 *
 * <p>Signatures are checked against the keys the store records, unless the caller names the keys it
 * trusts: keys from the store are only as trustworthy as the database, while a public key an
 * auditor holds ({@code --trust-key}) is not.
 */
public final class Verification {
  /**
   * How many hashes of recent entries are remembered to say which entry a broken link points to.
   */
  private static final int REMEMBERED = 100_000;

  /** How far away a moved entry is looked for when its hash matches another number. */
  private static final int MOVED_RADIUS = 8;

  /**
   * The most problems reported per tenant: the rest are counted, so a ruined trail stays readable.
   */
  static final int MAX_PROBLEMS = 1_000;

  /** One thing wrong: where ({@code tenant "t" entry 7}, a key) and what. */
  public record Problem(String where, String what) {
    @Override
    public String toString() {
      return where + ": " + what;
    }
  }

  /**
   * What was found in one tenant's trail.
   *
   * @param first the first entry's number (0 for an empty journal)
   * @param last the last entry's number
   * @param signedUpTo the newest entry a valid checkpoint vouches for (0: none)
   */
  public record TenantReport(
      String tenant,
      long entries,
      long first,
      long last,
      int checkpoints,
      long signedUpTo,
      @Nullable Checkpoint latest,
      List<Problem> problems,
      List<String> notes) {}

  /** The whole report: per tenant, plus problems with the keys. */
  public record Report(List<TenantReport> tenants, List<Problem> keyProblems, List<String> notes) {
    public boolean intact() {
      return keyProblems.isEmpty() && tenants.stream().allMatch(t -> t.problems().isEmpty());
    }

    public long problems() {
      return keyProblems.size() + tenants.stream().mapToLong(t -> t.problems().size()).sum();
    }

    /** Writes the report for people: one line per tenant, then each problem and note. */
    public void print(PrintWriter out) {
      for (Problem p : keyProblems) {
        out.println("PROBLEM " + p);
      }
      for (TenantReport t : tenants) {
        StringBuilder line = new StringBuilder("tenant \"" + t.tenant() + "\": ");
        if (t.entries() == 0) {
          line.append("no entries");
        } else {
          line.append(t.entries())
              .append(t.entries() == 1 ? " entry" : " entries")
              .append(" (")
              .append(t.first())
              .append("..")
              .append(t.last())
              .append(")");
        }
        line.append(", ")
            .append(t.checkpoints())
            .append(t.checkpoints() == 1 ? " checkpoint" : " checkpoints");
        Checkpoint latest = t.latest();
        if (latest != null) {
          line.append(", the latest at entry ")
              .append(latest.seq())
              .append(" signed ")
              .append(latest.time())
              .append(" by key ")
              .append(latest.keyId(), 0, Math.min(16, latest.keyId().length()));
        }
        out.println(line);
        for (Problem p : t.problems()) {
          out.println("  PROBLEM " + p);
        }
        for (String n : t.notes()) {
          out.println("  note: " + n);
        }
      }
      for (String n : notes) {
        out.println("note: " + n);
      }
      out.flush();
    }
  }

  private Verification() {}

  /**
   * Verifies every tenant's trail in one snapshot.
   *
   * @param trusted the keys whose signatures count (by id); null to trust the keys the store
   *     records
   */
  public static Report verify(AuditTrail trail, @Nullable Map<String, PublicKey> trusted) {
    return trail.read(
        r -> {
          List<Problem> keyProblems = new ArrayList<>();
          Map<String, PublicKey> keys = keys(r, trusted, keyProblems);
          List<TenantReport> tenants = new ArrayList<>();
          for (String tenant : r.tenants()) {
            tenants.add(tenant(r, tenant, keys, Long.MAX_VALUE));
          }
          List<String> notes = new ArrayList<>();
          if (trusted == null) {
            notes.add(
                "signatures were checked against the public keys recorded in the store; to check them against a"
                    + " key the database cannot change, give the key you hold: --trust-key "
                    + AuditSettings.KEY_FILE
                    + ".pub");
          }
          return new Report(tenants, keyProblems, notes);
        });
  }

  /**
   * The keys whose signatures count: {@code trusted}, or else the store's, each of which must be
   * the key its id names.
   */
  private static Map<String, PublicKey> keys(
      AuditReader r, @Nullable Map<String, PublicKey> trusted, List<Problem> problems) {
    Map<String, PublicKey> recorded = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : r.keys().entrySet()) {
      String where = "key " + e.getKey();
      try {
        PublicKey k = AuditKey.publicKey(e.getValue());
        String id = AuditKey.id(k);
        if (!id.equals(e.getKey())) {
          problems.add(
              new Problem(
                  where,
                  "the public key recorded under this id is another key ("
                      + id
                      + "): the keys were altered"));
        } else {
          recorded.put(id, k);
        }
      } catch (IllegalArgumentException ex) {
        problems.add(
            new Problem(
                where, "the recorded public key is not an Ed25519 key: " + ex.getMessage()));
      }
    }
    return trusted != null ? trusted : recorded;
  }

  /**
   * Verifies the tenant's entries up to {@code upTo} (all: {@link Long#MAX_VALUE}; the checks of
   * the end, truncation and the unsigned tail, are made only then).
   */
  static TenantReport tenant(AuditReader r, String tenant, Map<String, PublicKey> keys, long upTo) {
    long[] unshown = {0};
    List<Problem> problems =
        new ArrayList<>() {
          @Override
          public boolean add(Problem p) {
            if (size() >= MAX_PROBLEMS) {
              unshown[0]++;
              return false;
            }
            return super.add(p);
          }
        };
    List<String> notes = new ArrayList<>();
    List<Checkpoint> all = r.checkpoints(tenant);
    TreeMap<Long, Checkpoint> valid = new TreeMap<>();
    for (Checkpoint cp : all) {
      PublicKey key = keys.get(cp.keyId());
      if (key == null) {
        problems.add(
            at(
                tenant,
                cp.seq(),
                "its checkpoint is signed by key "
                    + cp.keyId()
                    + ", which is not a key the signatures were checked against"));
      } else if (!AuditKey.verify(cp, key)) {
        problems.add(
            at(
                tenant,
                cp.seq(),
                "its checkpoint's signature is not valid: the checkpoint was altered or forged"));
      } else {
        valid.put(cp.seq(), cp);
      }
    }

    Map<String, Long> seen =
        new LinkedHashMap<>() {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > REMEMBERED;
          }
        };
    Shift shift = null;
    long count = 0;
    long first = 0;
    long prevSeq = 0;
    String prevHash = AuditHash.GENESIS;
    long after = 0;
    boolean done = false;
    while (!done) {
      List<AuditRecord> page = r.records(tenant, after, 1_000);
      if (page.isEmpty()) {
        break;
      }
      for (AuditRecord e : page) {
        if (e.seq() > upTo) {
          done = true;
          break;
        }
        count++;
        boolean gap = false;
        if (first == 0) {
          first = e.seq();
          if (e.seq() != 1) {
            Checkpoint cp = valid.get(e.seq());
            if (cp == null) {
              problems.add(
                  at(
                      tenant,
                      e.seq(),
                      "entries 1.."
                          + (e.seq() - 1)
                          + " before it are missing, and no valid checkpoint"
                          + " vouches for this entry: entries were removed from the start"));
            } else {
              notes.add(
                  "entries 1.."
                      + (e.seq() - 1)
                      + " were pruned; the trail is verified from the checkpoint of entry "
                      + e.seq()
                      + " signed "
                      + cp.time());
            }
            gap = true; // what it chains to is gone: the checkpoint vouches for it instead
          }
        } else if (e.seq() != prevSeq + 1) {
          problems.add(
              at(
                  tenant,
                  prevSeq + 1,
                  (e.seq() - 1 == prevSeq + 1
                          ? "entry " + (prevSeq + 1) + " is"
                          : "entries " + (prevSeq + 1) + ".." + (e.seq() - 1) + " are")
                      + " missing: removed from the journal"));
          gap = true;
        }
        String stored = e.hash();
        String storedPrev = e.prevHash();
        String hash;
        if (stored == null || storedPrev == null) {
          problems.add(
              at(tenant, e.seq(), "it has no hash: it was written or altered outside the chain"));
          hash = AuditHash.entry(e, prevHash);
        } else {
          hash = stored;
          String computed = AuditHash.entry(e, storedPrev);
          if (!computed.equals(stored)) {
            OptionalLong moved = movedFrom(e, storedPrev);
            if (moved.isEmpty()) {
              problems.add(
                  at(tenant, e.seq(), "its content does not match its hash: the entry was edited"));
            } else if (shift != null && shift.continuedBy(e.seq(), moved.getAsLong())) {
              shift = shift.to(e.seq());
              if (shift.index() < problems.size()) { // else past the problems shown
                problems.set(shift.index(), shift.problem(tenant));
              }
            } else {
              shift = new Shift(problems.size(), e.seq(), e.seq(), moved.getAsLong() - e.seq());
              problems.add(shift.problem(tenant));
            }
          }
          if (!gap && !storedPrev.equals(prevHash)) {
            Long linked = seen.get(storedPrev);
            problems.add(
                at(
                    tenant,
                    e.seq(),
                    linked != null
                        ? "it is chained to entry "
                            + linked
                            + ", not to entry "
                            + (e.seq() - 1)
                            + ": entries were reordered, or one was inserted or removed before it"
                        : "it is not chained to entry "
                            + (e.seq() - 1)
                            + " (its prev_hash is not that entry's hash): entry "
                            + (e.seq() - 1)
                            + " was rewritten, or this one was inserted or moved"));
          }
        }
        Checkpoint cp = valid.get(e.seq());
        if (cp != null && !cp.hash().equals(hash)) {
          problems.add(
              at(
                  tenant,
                  e.seq(),
                  "the checkpoint signed "
                      + cp.time()
                      + " says its hash is "
                      + cp.hash()
                      + ", the journal's is "
                      + hash
                      + ": entries up to it were rewritten after they were signed"));
        }
        seen.put(hash, e.seq());
        prevSeq = e.seq();
        prevHash = hash;
        after = e.seq();
      }
    }

    long signedUpTo = 0;
    for (Checkpoint cp : valid.values()) {
      if (cp.seq() <= prevSeq && cp.seq() >= first) {
        signedUpTo = Math.max(signedUpTo, cp.seq());
      }
    }
    Checkpoint latest = valid.isEmpty() ? null : valid.lastEntry().getValue();
    if (upTo == Long.MAX_VALUE) {
      Checkpoint beyond =
          valid.ceilingEntry(prevSeq + 1) == null ? null : valid.lastEntry().getValue();
      if (beyond != null) {
        problems.add(
            at(
                tenant,
                prevSeq + 1,
                (prevSeq == 0 ? "the journal is empty" : "the journal ends at entry " + prevSeq)
                    + ", but the checkpoint signed "
                    + beyond.time()
                    + " vouches for entries up to "
                    + beyond.seq()
                    + ": entries "
                    + (prevSeq + 1)
                    + ".."
                    + beyond.seq()
                    + " were removed (the journal was truncated)"));
      }
      OptionalLong counter = r.counter(tenant);
      if (counter.isPresent()
          && counter.getAsLong() > prevSeq
          && (beyond == null || counter.getAsLong() > beyond.seq())) {
        problems.add(
            at(
                tenant,
                prevSeq + 1,
                "the journal counter has given numbers up to "
                    + counter.getAsLong()
                    + ", but the journal ends at entry "
                    + prevSeq
                    + ": entries "
                    + (prevSeq + 1)
                    + ".."
                    + counter.getAsLong()
                    + " were removed (the journal was truncated)"));
      }
      if (count > 0 && signedUpTo < prevSeq) {
        long from = Math.max(signedUpTo + 1, first);
        notes.add(
            (signedUpTo == 0 ? "no checkpoint vouches for any entry yet: " : "")
                + "entries "
                + from
                + ".."
                + prevSeq
                + " follow the latest checkpoint; each is chained, but had the newest"
                + " of them been removed, nothing signed would show it until a checkpoint covers them"
                + " (the server signs one periodically; scimd audit checkpoint signs one now)");
      }
    }
    if (unshown[0] > 0) {
      notes.add(
          unshown[0]
              + " more problems were found and are not shown (the first "
              + MAX_PROBLEMS
              + " are)");
    }
    return new TenantReport(
        tenant, count, first, prevSeq, all.size(), signedUpTo, latest, problems, notes);
  }

  /**
   * A run of entries {@code from..to} each hashed under its number plus {@code offset}: what one
   * entry inserted or removed before them does to all that follow, reported once.
   *
   * @param index where the run's problem is in the list, rewritten as the run grows
   */
  private record Shift(int index, long from, long to, long offset) {
    boolean continuedBy(long seq, long hashedAs) {
      return seq == to + 1 && hashedAs - seq == offset;
    }

    Shift to(long seq) {
      return new Shift(index, from, seq, offset);
    }

    Problem problem(String tenant) {
      String what =
          from == to
              ? "it was hashed as entry "
                  + (from + offset)
                  + ": an entry was inserted or removed before it, or entries were"
                  + " reordered"
              : "entries "
                  + from
                  + ".."
                  + to
                  + " were hashed as entries "
                  + (from + offset)
                  + ".."
                  + (to + offset)
                  + ": an entry was inserted or removed before them";
      return at(tenant, from, what);
    }
  }

  /** The number {@code e} had when it was hashed, when it is a nearby one: an entry moved. */
  private static OptionalLong movedFrom(AuditRecord e, String prevHash) {
    for (int d = 1; d <= MOVED_RADIUS; d++) {
      for (long s : new long[] {e.seq() - d, e.seq() + d}) {
        if (s >= 1 && AuditHash.entry(withSeq(e, s), prevHash).equals(e.hash())) {
          return OptionalLong.of(s);
        }
      }
    }
    return OptionalLong.empty();
  }

  private static AuditRecord withSeq(AuditRecord e, long seq) {
    return new AuditRecord(
        e.tenant(),
        seq,
        e.at(),
        e.principal(),
        e.principalName(),
        e.source(),
        e.requestId(),
        e.resourceType(),
        e.resourceId(),
        e.kind(),
        e.change(),
        e.prevHash(),
        e.hash());
  }

  private static Problem at(String tenant, long seq, String what) {
    return new Problem("tenant \"" + tenant + "\" entry " + seq, what);
  }
}
