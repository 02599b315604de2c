package io.scimd.server.hub;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.sync.Hub;
import io.scimd.sync.Sink;
import io.scimd.sync.scim.Reconcile;
import io.scimd.sync.scim.ScimSink;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Reconciliation and preview of a {@code scim} target, as the admin API and the CLI run them.
 *
 * <p>A repairing run does not stop the target's delivery worker: it repairs through the same {@link
 * ScimSink} the worker delivers with, which writes each resource's current state (never a delta)
 * and adopts what it finds on the target before it creates. Both writing the same resource at once
 * therefore write the same thing; the one race left, both creating a user the target did not have,
 * ends with the target refusing the second create (its userName is taken), which the worker retries
 * and then adopts.
 */
public final class Reconciling {
  private Reconciling() {}

  /**
   * Compares the target with the directory, repairing unless {@code dryRun}.
   *
   * @return empty when there is no such target
   * @throws IllegalArgumentException when the target is not a scim target
   */
  public static Optional<Result> reconcile(Hub hub, String tenant, String name, boolean dryRun) {
    return run(hub, tenant, name, null, dryRun);
  }

  /**
   * What the target would be sent with {@code candidate} ({@code mapping} and {@code scope}) in
   * place of its own: a dry run against a sink opened with the candidate, which is not saved.
   *
   * @return empty when there is no such target
   * @throws IllegalArgumentException when the target is not a scim target or the candidate is
   *     refused (naming every problem)
   */
  public static Optional<Result> preview(
      Hub hub, String tenant, String name, ObjectNode candidate) {
    return run(hub, tenant, name, candidate, true);
  }

  private static Optional<Result> run(
      Hub hub, String tenant, String name, @Nullable ObjectNode candidate, boolean dryRun) {
    Optional<ObjectNode> shown = hub.show(tenant, name);
    if (shown.isEmpty()) {
      return Optional.empty();
    }
    String type = shown.get().path("type").asText();
    if (!type.equals("scim")) {
      throw new IllegalArgumentException(
          "the target '"
              + name
              + "' is a "
              + type
              + " target: only scim targets are "
              + (candidate == null ? "reconciled" : "previewed"));
    }
    Optional<Sink> opened = hub.open(tenant, name, candidate);
    if (opened.isEmpty()) {
      return Optional.empty();
    }
    try (Sink sink = opened.get()) {
      ScimSink scim = (ScimSink) sink;
      return Optional.of(new Result(new Reconcile(scim).run(dryRun), scim.onLeave()));
    }
  }

  /** A run's report, and what each finding means on the target. */
  public record Result(Reconcile.Report report, ScimSink.OnLeave onLeave) {

    /**
     * What repairing the finding does there: {@code create}, {@code update}, {@code deactivate} or
     * {@code delete}.
     */
    public String action(Reconcile.Finding f) {
      return switch (f.kind()) {
        case "missing" -> "create";
        case "extra" ->
            f.resourceType().equals("User")
                    && onLeave == ScimSink.OnLeave.DEACTIVATE
                    && f.detail().equals("out of the target's scope")
                ? "deactivate"
                : "delete";
        default -> "update";
      };
    }

    /** How many findings of each action, in the order create, update, deactivate, delete. */
    public Map<String, Integer> counts() {
      Map<String, Integer> out = new LinkedHashMap<>();
      for (String a : new String[] {"create", "update", "deactivate", "delete"}) {
        out.put(a, 0);
      }
      for (Reconcile.Finding f : report.findings()) {
        out.merge(action(f), 1, Integer::sum);
      }
      return out;
    }

    /** As the admin API answers it. */
    public ObjectNode json() {
      JsonNodeFactory n = JsonNodeFactory.instance;
      ObjectNode out = n.objectNode();
      out.put("dryRun", report.dryRun());
      ArrayNode list = out.putArray("findings");
      for (Reconcile.Finding f : report.findings()) {
        ObjectNode o = list.addObject();
        o.put("kind", f.kind());
        o.put("action", action(f));
        o.put("resourceType", f.resourceType());
        o.put("id", f.id());
        o.put("remoteId", f.remoteId());
        o.put("detail", f.detail());
        o.put("repaired", f.repaired());
      }
      ObjectNode summary = out.putObject("summary");
      counts().forEach(summary::put);
      out.put("error", report.error());
      return out;
    }
  }
}
