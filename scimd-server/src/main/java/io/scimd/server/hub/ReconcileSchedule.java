package io.scimd.server.hub;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.store.HubRecords;
import io.scimd.store.HubRecords.Note;
import io.scimd.store.HubRecords.Target;
import io.scimd.sync.Hub;
import io.scimd.sync.scim.Reconcile;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciliations on a schedule (docs/decisions/0028-hub-more.md): a {@code scim} target whose
 * settings say {@code "reconcile": {"everyMinutes": N, "dryRun": bool}} is reconciled every N
 * minutes by the node that holds its delivery lease.
 *
 * <p>The last run is a note in the store ({@link Hub#RECONCILE_NOTE}), written when the run starts
 * (its {@code at}) and again when it ends (its report). A run is due N minutes after the last one
 * started (at once when there was none); a node starts it only by replacing the note it read
 * (compare and set on the start time), so one node runs each due time, whichever nodes hold or held
 * the lease, and a restart does not run it early or again. A node that dies mid-run leaves the note
 * "running"; the next due time runs again.
 */
final class ReconcileSchedule implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReconcileSchedule.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How many findings of a run the note keeps (the log has every one). */
  static final int FINDINGS_KEPT = 20;

  /**
   * How long a minute of {@code everyMinutes} is, and how often the node looks for due runs: a hook
   * for tests in this package, which cannot wait five minutes. Never changed by the server.
   */
  static volatile Duration minute = Duration.ofMinutes(1);

  static volatile Duration tick = Duration.ofSeconds(15);

  private final Hub hub;
  private final HubRecords records;
  private final Supplier<Set<String>> serving;
  private final InstantSource clock;
  private final String node;
  private volatile boolean running;
  private @Nullable Thread thread;

  /**
   * @param serving the targets whose delivery lease this node holds, as {@code tenant/name}
   */
  ReconcileSchedule(
      Hub hub,
      HubRecords records,
      Supplier<Set<String>> serving,
      InstantSource clock,
      String node) {
    this.hub = hub;
    this.records = records;
    this.serving = serving;
    this.clock = clock;
    this.node = node;
  }

  synchronized void start() {
    if (running) {
      return;
    }
    running = true;
    thread = Thread.ofVirtual().name("hub-reconcile").start(this::loop);
  }

  private void loop() {
    while (running) {
      try {
        runDue();
      } catch (RuntimeException e) {
        LOG.warn("hub: looking for due reconciliations failed, trying again: {}", e.toString());
      }
      try {
        Thread.sleep(tick);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /**
   * Runs the reconciliations due now of the targets this node serves, one after another.
   *
   * @return how many it ran
   */
  int runDue() {
    int ran = 0;
    for (String key : serving.get()) {
      if (!running) {
        break;
      }
      int slash = key.indexOf('/');
      if (slash < 0) {
        continue;
      }
      String tenant = key.substring(0, slash);
      String name = key.substring(slash + 1);
      Optional<Target> held = records.target(tenant, name);
      if (held.isEmpty() || held.get().paused() || !held.get().type().equals("scim")) {
        continue;
      }
      JsonNode schedule = config(held.get()).path("reconcile");
      int every = schedule.path("everyMinutes").asInt(0);
      if (every < 1) {
        continue;
      }
      boolean dryRun = schedule.path("dryRun").asBoolean(true);
      if (runIfDue(tenant, name, every, dryRun)) {
        ran++;
      }
    }
    return ran;
  }

  private boolean runIfDue(String tenant, String name, int everyMinutes, boolean dryRun) {
    Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
    Optional<Note> last = records.note(tenant, name, Hub.RECONCILE_NOTE);
    Instant lastStart = last.map(Note::at).orElse(null);
    if (lastStart != null && now.isBefore(lastStart.plus(minute.multipliedBy(everyMinutes)))) {
      return false;
    }
    ObjectNode note = JSON.createObjectNode();
    note.put("startedAt", now.toString());
    note.put("dryRun", dryRun);
    note.put("node", node);
    note.put("state", "running");
    if (!records.replaceNote(tenant, name, Hub.RECONCILE_NOTE, lastStart, now, text(note))) {
      return false; // another node started this due time's run
    }
    LOG.info(
        "hub: scheduled reconciliation of {}/{} ({}) starts",
        tenant,
        name,
        dryRun ? "dry run" : "repairing");
    try {
      Optional<Reconciling.Result> result = Reconciling.reconcile(hub, tenant, name, dryRun);
      if (result.isEmpty()) {
        return true; // deleted meanwhile, and its note with it
      }
      report(tenant, name, result.get(), note);
    } catch (RuntimeException e) {
      note.put("state", "failed");
      note.put("error", String.valueOf(e.getMessage()));
      LOG.warn("hub: scheduled reconciliation of {}/{} failed: {}", tenant, name, e.toString());
    }
    note.put("finishedAt", clock.instant().toString());
    records.replaceNote(tenant, name, Hub.RECONCILE_NOTE, now, now, text(note));
    return true;
  }

  /** Logs the run as {@code scimd target reconcile} prints it, and puts it into the note. */
  private static void report(String tenant, String name, Reconciling.Result r, ObjectNode note) {
    Reconcile.Report report = r.report();
    ArrayNode kept = JSON.createArrayNode();
    ArrayNode all = (ArrayNode) r.json().path("findings");
    for (int i = 0; i < all.size(); i++) {
      if (i < FINDINGS_KEPT) {
        kept.add(all.get(i));
      }
      JsonNode f = all.get(i);
      LOG.info(
          "hub: reconcile {}/{}: {} {} {} {} {}: {}{}",
          tenant,
          name,
          f.path("action").asText(),
          f.path("kind").asText(),
          f.path("resourceType").asText(),
          f.path("id").asText("-"),
          f.path("remoteId").asText("-"),
          f.path("detail").asText(),
          f.path("repaired").asBoolean() ? " (repaired)" : "");
    }
    ObjectNode summary = note.putObject("summary");
    r.counts().forEach(summary::put);
    note.put("findings", report.findings().size());
    note.set("firstFindings", kept);
    String error = report.error();
    note.put("state", error == null ? "done" : "failed");
    if (error != null) {
      note.put("error", error);
    }
    LOG.info(
        "hub: reconcile {}/{}: {} {} ({} finding(s)){}",
        tenant,
        name,
        report.dryRun() ? "would" : "did",
        summary,
        report.findings().size(),
        error == null ? "" : ", stopped early: " + error);
  }

  private static JsonNode config(Target t) {
    try {
      return JSON.readTree(t.config());
    } catch (JsonProcessingException e) {
      return JSON.createObjectNode();
    }
  }

  private static String text(ObjectNode n) {
    try {
      return JSON.writeValueAsString(n);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    running = false;
    Thread t = thread;
    if (t != null) {
      t.interrupt();
      try {
        t.join(Duration.ofSeconds(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
