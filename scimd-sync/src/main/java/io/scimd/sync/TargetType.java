package io.scimd.sync;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.store.HubRecords.Target;
import org.jspecify.annotations.Nullable;

/**
 * One kind of target ({@code webhook}, {@code scim}, ...): how its settings are checked when saved,
 * which of them are secrets, and how it delivers. Registered with the {@link Hub}.
 */
public interface TargetType {

  /** The {@code type} a definition names. */
  String name();

  /**
   * Checks a definition's settings (everything but {@code name} and {@code type}) when it is saved,
   * and splits them into what is stored in clear and what is sealed.
   *
   * @param settings the settings as the caller sent them
   * @param previous the secrets saved before, when the target is being changed: a setting the
   *     caller left out keeps its secret
   * @throws IllegalArgumentException naming the setting and what to fix
   */
  Checked check(ObjectNode settings, @Nullable ObjectNode previous);

  /**
   * Whether the delivery workers push to targets of this type. A poll stream (SSF, RFC 8936) is not
   * pushed to: its receiver reads it and moves its cursor ({@code HubRecords.acknowledge}), so no
   * worker may lease it.
   */
  default boolean pushed() {
    return true;
  }

  /**
   * The sink of a saved target.
   *
   * @throws IllegalArgumentException when it cannot deliver with these settings
   */
  Sink open(Target target, ObjectNode config, ObjectNode secrets);

  /**
   * The stored {@code config} of a saved target with the {@code candidate} settings in place of its
   * own, checked as a save would check them but not saved: what a preview opens the target with.
   *
   * @throws IllegalArgumentException naming what to fix in the candidate, or when this type has no
   *     settings that can be previewed
   */
  default ObjectNode withCandidate(ObjectNode config, ObjectNode candidate) {
    throw new IllegalArgumentException("a " + name() + " target has nothing to preview");
  }

  /**
   * The addresses a saved target's stored {@code config} sends to, by setting ({@code url}, {@code
   * auth.tokenUrl}), each checked by the URL rules a save applies. What an import compares to
   * decide whether the target's secrets may stay: secrets set for one receiver must not follow a
   * file to another.
   *
   * @throws IllegalArgumentException naming the setting when an address is missing or refused
   */
  default java.util.Map<String, String> destinations(ObjectNode config) {
    return java.util.Map.of();
  }

  /**
   * Called after a target of this type was saved (created or changed), outside the save's
   * transaction: what a type learns from the target itself is read again here (a scim target's
   * ServiceProviderConfig). Failing to reach the target is not a reason to refuse the save: it is
   * shown in the status instead.
   */
  default void saved(Target target, ObjectNode config, ObjectNode secrets) {}

  /** Adds what this type knows of a target beyond its delivery to the target's status. */
  default void describe(Target target, ObjectNode config, ObjectNode status) {}

  /**
   * Checked settings.
   *
   * @param config stored in clear, shown to operators and journaled
   * @param secrets sealed before they are stored, never shown
   * @param shownOnce a secret scimd made for the caller (a webhook secret), shown in this answer
   *     only; null when none
   */
  record Checked(ObjectNode config, ObjectNode secrets, @Nullable String shownOnce) {}
}
