package io.scimd.sync;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.store.Change;
import io.scimd.store.HubRecords.Target;
import io.scimd.store.JournalEntry;
import java.time.Duration;
import java.time.Instant;
import java.util.Deque;
import java.util.List;

/**
 * Holds a burst of deletions and deactivations for a target until an operator approves it: an IdP
 * misconfiguration (a scope emptied, a connector pointed at the wrong group) must not deprovision a
 * whole company downstream before someone looks. More than {@code maxDeletions} of them sent or
 * waiting within {@code window} pauses the target, with the reason; {@code scimd target approve}
 * lets the waiting ones through. A target's {@code deletionGuard} setting: {@code {"maxDeletions":
 * 50, "windowSeconds": 60}} (the default), or {@code false}.
 */
public record DeletionGuard(int maxDeletions, Duration window) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** No guard. */
  public static final DeletionGuard OFF = new DeletionGuard(Integer.MAX_VALUE, Duration.ZERO);

  /** What a target has when its definition says nothing. */
  public static final DeletionGuard DEFAULT = new DeletionGuard(50, Duration.ofSeconds(60));

  /**
   * The {@code deletionGuard} setting checked, as it is stored.
   *
   * @throws IllegalArgumentException naming what to fix
   */
  public static JsonNode check(JsonNode setting) {
    if (setting.isBoolean()) {
      return setting;
    }
    if (!setting.isObject()) {
      throw new IllegalArgumentException(
          "'deletionGuard' is false or {\"maxDeletions\": N, \"windowSeconds\": S}");
    }
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("maxDeletions", whole(setting, "maxDeletions", DEFAULT.maxDeletions()));
    out.put("windowSeconds", whole(setting, "windowSeconds", (int) DEFAULT.window().toSeconds()));
    setting
        .fieldNames()
        .forEachRemaining(
            f -> {
              if (!out.has(f)) {
                throw new IllegalArgumentException(
                    "unknown 'deletionGuard' setting '" + f + "': use maxDeletions, windowSeconds");
              }
            });
    return out;
  }

  private static int whole(JsonNode setting, String field, int dflt) {
    JsonNode n = setting.get(field);
    if (n == null) {
      return dflt;
    }
    if (!n.canConvertToInt() || n.asInt() < 0 || !n.isIntegralNumber()) {
      throw new IllegalArgumentException(
          "'deletionGuard." + field + "' must be a whole number >= 0");
    }
    return n.asInt();
  }

  /** The guard a saved target has. */
  static DeletionGuard of(Target target) {
    JsonNode setting;
    try {
      setting = JSON.readTree(target.config()).get("deletionGuard");
    } catch (JsonProcessingException e) {
      return DEFAULT;
    }
    if (setting == null || setting.isNull() || (setting.isBoolean() && setting.asBoolean())) {
      return DEFAULT;
    }
    if (setting.isBoolean()) {
      return OFF;
    }
    return new DeletionGuard(
        setting.path("maxDeletions").asInt(DEFAULT.maxDeletions()),
        Duration.ofSeconds(
            setting.path("windowSeconds").asInt((int) DEFAULT.window().toSeconds())));
  }

  /** A deletion, or a deactivation (a change of {@code active} from true to false). */
  static boolean destructive(JournalEntry e) {
    Change c = e.change();
    if (c instanceof Change.Deleted) {
      return true;
    }
    List<Change.AttributeChange> attrs =
        c instanceof Change.Patched p
            ? p.attributes()
            : c instanceof Change.Replaced r ? r.attributes() : List.of();
    for (Change.AttributeChange a : attrs) {
      if (a.path().equalsIgnoreCase("active")
          && a.before() != null
          && a.before().asBoolean(false)
          && (a.after() == null || !a.after().asBoolean(true))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether sending {@code pending} would exceed the guard, counting the deletions sent within the
   * window ({@code recent}, pruned here) and those waiting that were not approved.
   */
  boolean holds(
      List<JournalEntry> pending, long approvedThrough, Deque<Instant> recent, Instant now) {
    if (this == OFF || maxDeletions == Integer.MAX_VALUE) {
      return false;
    }
    Instant since = now.minus(window);
    while (!recent.isEmpty() && recent.peekFirst().isBefore(since)) {
      recent.pollFirst();
    }
    int waiting = 0;
    for (JournalEntry e : pending) {
      if (e.seq() > approvedThrough && destructive(e)) {
        waiting++;
      }
    }
    return waiting > 0 && recent.size() + waiting > maxDeletions;
  }

  /** Remembers the deletions just sent, for the window. */
  void delivered(List<JournalEntry> sent, Deque<Instant> recent, Instant now) {
    if (this == OFF) {
      return;
    }
    for (JournalEntry e : sent) {
      if (destructive(e)) {
        recent.addLast(now);
      }
    }
  }
}
