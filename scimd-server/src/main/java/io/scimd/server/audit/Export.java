package io.scimd.server.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.store.AuditReader;
import io.scimd.store.AuditRecord;
import io.scimd.store.AuditTrail;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * {@code scimd audit export}: the journal entries made in a time range, tenant by tenant in journal
 * order, as JSON lines (each entry as stored, with its hashes, so it can be verified again), CSV
 * (one row per entry, the change as JSON in one column) or OCSF events ({@link Ocsf}, JSON lines).
 *
 * <p>A tenant's entries are found by time without reading those before: the write clock never goes
 * back along a tenant's journal (its entries are numbered in commit order, and the clock ticks in
 * commit order), so the first entry at or after {@code since} is found by a binary search over the
 * entry numbers, one primary-key probe per step.
 */
public final class Export {
  /** The formats of {@code --format}. */
  public enum Format {
    JSONL,
    CSV,
    OCSF;

    /** {@code jsonl}, {@code csv} or {@code ocsf}. @throws IllegalArgumentException for another */
    public static Format of(String name) {
      try {
        return valueOf(name.strip().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "unknown format '" + name + "': give jsonl, csv or ocsf", e);
      }
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CSV_HEADER =
      "tenant,seq,time,principal,principal_name,source,request_id,resource_type,resource_id,kind,change,hash";

  private Export() {}

  /**
   * Writes the entries made at or after {@code since} and before {@code until} (null: up to now) of
   * {@code tenant} (null: every tenant) to {@code out}, all from one snapshot.
   *
   * @return how many entries were written (OCSF may write several events for one)
   */
  public static long write(
      AuditTrail trail,
      @Nullable String tenant,
      Instant since,
      @Nullable Instant until,
      Format format,
      String productVersion,
      PrintWriter out) {
    long from = micros(since);
    long to = until == null ? Long.MAX_VALUE : micros(until);
    Ocsf ocsf = new Ocsf(productVersion);
    long written =
        trail.read(
            r -> {
              if (format == Format.CSV) {
                out.print(CSV_HEADER + "\r\n");
              }
              long n = 0;
              for (String t : tenant != null ? List.of(tenant) : r.tenants()) {
                long after = firstAtOrAfter(r, t, from);
                while (true) {
                  List<AuditRecord> page = r.records(t, after, 1_000);
                  if (page.isEmpty()) {
                    break;
                  }
                  boolean past = false;
                  for (AuditRecord e : page) {
                    if (e.at() >= to) {
                      past = true;
                      break;
                    }
                    if (e.at() >= from) {
                      write(e, format, ocsf, out);
                      n++;
                    }
                    after = e.seq();
                  }
                  if (past) {
                    break;
                  }
                }
              }
              return n;
            });
    out.flush();
    return written;
  }

  /** The number after which the tenant's entries are at or after {@code at}: a binary search. */
  private static long firstAtOrAfter(AuditReader r, String tenant, long at) {
    Optional<AuditRecord> head = r.head(tenant);
    if (head.isEmpty()) {
      return 0;
    }
    // Every entry numbered lo or less is older than at; the answer is after lo and at most hi.
    long lo = 0;
    long hi = head.get().seq();
    while (lo < hi) {
      long mid = lo + (hi - lo) / 2;
      List<AuditRecord> probe = r.records(tenant, mid, 1);
      if (!probe.isEmpty() && probe.get(0).at() < at) {
        lo = probe.get(0).seq();
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private static void write(AuditRecord e, Format format, Ocsf ocsf, PrintWriter out) {
    switch (format) {
      case JSONL -> out.print(json(stored(e)) + "\n");
      case CSV -> out.print(csv(e) + "\r\n");
      case OCSF -> {
        for (ObjectNode event : ocsf.events(e, change(e))) {
          out.print(json(event) + "\n");
        }
      }
    }
  }

  /** An entry as stored, its change as JSON (its exact text as {@code change} in CSV). */
  private static ObjectNode stored(AuditRecord e) {
    ObjectNode o = JSON.createObjectNode();
    o.put("tenant", e.tenant());
    o.put("seq", e.seq());
    o.put("time", e.time().toString());
    o.put("principal", e.principal());
    o.put("principalName", e.principalName());
    o.put("source", e.source());
    o.put("requestId", e.requestId());
    o.put("resourceType", e.resourceType());
    o.put("resourceId", e.resourceId());
    o.put("kind", e.kind());
    o.set("change", change(e));
    o.put("prevHash", e.prevHash());
    o.put("hash", e.hash());
    return o;
  }

  /** The change's JSON; text that is not a JSON object (a tampered entry) is kept as a string. */
  static ObjectNode change(AuditRecord e) {
    try {
      JsonNode n = JSON.readTree(e.change());
      if (n instanceof ObjectNode o) {
        return o;
      }
    } catch (JsonProcessingException ex) {
      // falls through: the text as it is
    }
    ObjectNode o = JSON.createObjectNode();
    o.put("unparsable", e.change());
    return o;
  }

  private static String json(JsonNode n) {
    try {
      return JSON.writeValueAsString(n);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  private static String csv(AuditRecord e) {
    return String.join(
        ",",
        cell(e.tenant()),
        Long.toString(e.seq()),
        cell(e.time().toString()),
        cell(e.principal()),
        cell(e.principalName()),
        cell(e.source()),
        cell(e.requestId()),
        cell(e.resourceType()),
        cell(e.resourceId()),
        cell(e.kind()),
        cell(e.change()),
        cell(e.hash()));
  }

  /**
   * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break, quotes doubled. A
   * value a spreadsheet would run as a formula ({@code =}, {@code +}, {@code -}, {@code @}, tab or
   * carriage return first) gets a {@code '} in front, as OWASP advises against CSV injection: a
   * {@code userName} chosen by whoever provisions must not run in the auditor's spreadsheet.
   */
  static String cell(@Nullable String value) {
    if (value == null || value.isEmpty()) {
      return "";
    }
    String v = "=+-@\t\r".indexOf(value.charAt(0)) >= 0 ? "'" + value : value;
    if (v.indexOf(',') >= 0
        || v.indexOf('"') >= 0
        || v.indexOf('\n') >= 0
        || v.indexOf('\r') >= 0) {
      return "\"" + v.replace("\"", "\"\"") + "\"";
    }
    return v;
  }

  private static long micros(Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
  }
}
