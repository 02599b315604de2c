package io.scimd.sync.events;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The events one receiver gets: those it requested that scimd transmits (SSF 1.0: {@code
 * events_delivered} is {@code events_requested} ∩ {@code events_supported}). A receiver that asks
 * for both variants of one change gets both in the same SET; one that asks for neither gets no SET
 * for such changes. Requested URIs scimd does not know are ignored, as SSF says, not refused.
 */
public record EventSelection(Set<ScimEvent> events) {
  /** Every event with its values: what a webhook target gets unless configured otherwise. */
  public static final EventSelection ALL_FULL =
      new EventSelection(
          EnumSet.of(
              ScimEvent.CREATE_FULL,
              ScimEvent.PATCH_FULL,
              ScimEvent.PUT_FULL,
              ScimEvent.DELETE,
              ScimEvent.ACTIVATE,
              ScimEvent.DEACTIVATE));

  /** Every event without values: names of changed attributes only. */
  public static final EventSelection ALL_NOTICE =
      new EventSelection(
          EnumSet.of(
              ScimEvent.CREATE_NOTICE,
              ScimEvent.PATCH_NOTICE,
              ScimEvent.PUT_NOTICE,
              ScimEvent.DELETE,
              ScimEvent.ACTIVATE,
              ScimEvent.DEACTIVATE));

  public EventSelection {
    events = events.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(events));
  }

  /** The events of the registered URIs among {@code requested}; the others are left out. */
  public static EventSelection requested(Collection<String> requested) {
    EnumSet<ScimEvent> out = EnumSet.noneOf(ScimEvent.class);
    for (String uri : requested) {
      ScimEvent.ofUri(uri).ifPresent(out::add);
    }
    return new EventSelection(out);
  }

  public boolean contains(ScimEvent event) {
    return events.contains(event);
  }

  public boolean isEmpty() {
    return events.isEmpty();
  }

  /**
   * The URIs delivered, in the order of {@link ScimEvent}: the stream's {@code events_delivered}.
   */
  public List<String> uris() {
    List<String> out = new ArrayList<>();
    for (ScimEvent e : ScimEvent.values()) {
      if (events.contains(e)) {
        out.add(e.uri());
      }
    }
    return out;
  }

  /** Every URI scimd can transmit: the stream's {@code events_supported}. */
  public static List<String> supported() {
    List<String> out = new ArrayList<>();
    for (ScimEvent e : ScimEvent.values()) {
      out.add(e.uri());
    }
    return out;
  }
}
