package io.scimd.server.service;

import com.fasterxml.jackson.core.JsonGenerator;
import io.scimd.core.error.ScimException;
import io.scimd.core.filter.Filter;
import io.scimd.core.filter.FilterParser;
import io.scimd.core.path.AttrPath;
import io.scimd.core.resource.Projection;
import io.scimd.core.schema.ResolvedPath;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.Returned;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.core.schema.SchemaUrns;
import io.scimd.store.Page;
import io.scimd.store.Query;
import io.scimd.store.ScanLimits;
import io.scimd.store.Scope;
import io.scimd.store.Sort;
import io.scimd.store.Store;
import io.scimd.store.StoredResource;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A list or search request (RFC 7644 §3.4.2, §3.4.3; RFC 9865 cursors): its {@link ListParams}
 * parsed and checked, its query run in one read, and the ListResponse it answers.
 *
 * <ul>
 *   <li>{@code sortBy} naming no attribute of the type is 400 {@code invalidPath} (the same keyword
 *       as a malformed path), and so is one naming a never-returned attribute.
 *   <li>A search across all types ({@code type == null}) refuses {@code sortBy} and {@code cursor}
 *       with 400 {@code invalidValue}; its filter is applied to each type that defines every
 *       attribute it names ({@link FilterRules#scope}), and types that do not contribute nothing.
 * </ul>
 */
final class Listing {

  private final SchemaRegistry registry;
  private final Store store;
  private final ServiceConfig config;
  private final Rendering rendering;
  private final ScanLimits scanLimits; // one per node: its permits bound the node's evaluations

  Listing(SchemaRegistry registry, Store store, ServiceConfig config, Rendering rendering) {
    this.registry = registry;
    this.store = store;
    this.config = config;
    this.rendering = rendering;
    this.scanLimits =
        new ScanLimits(config.maxQueryCandidates(), config.maxConcurrentEvaluations());
  }

  /**
   * The filter of a list or search, null for none: 400 {@code invalidFilter} naming the limit when
   * it is longer or nests deeper than {@link ServiceConfig} allows, checked on the text before it
   * is parsed, so that such a filter costs nothing more.
   */
  private @Nullable Filter filter(@Nullable String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    if (text.length() > config.maxFilterLength()) {
      throw ScimException.invalidFilter(
          "the filter has "
              + text.length()
              + " characters; at most "
              + config.maxFilterLength()
              + " are allowed (maxFilterLength, see /ServiceProviderConfig)");
    }
    int depth = FilterParser.nestingDepth(text);
    if (depth > config.maxFilterDepth()) {
      throw ScimException.invalidFilter(
          "the filter nests "
              + depth
              + " levels deep (parentheses, \"not (\" and \"[...]\" inside one another); at most "
              + config.maxFilterDepth()
              + " are allowed (maxFilterDepth, see /ServiceProviderConfig)");
    }
    return FilterParser.parse(text);
  }

  /**
   * The ListResponse of resources of {@code type}, or of every type when it is null, sent to {@code
   * out}: the page is queried first (a bad filter or cursor is an error before anything is sent),
   * then each resource is written as it is rendered, its members as they are read.
   */
  void list(
      Scope scope, @Nullable ResourceType type, ListParams params, String base, Responder out) {
    Projection projection = Projection.parse(params.attributes(), params.excludedAttributes());
    Filter filter = filter(params.filter());
    int startIndex = startIndex(params.startIndex());
    int count = count(params.count());
    boolean descending = descending(params.sortOrder());
    String cursor = params.cursor();
    if (type == null) {
      listAll(scope, filter, startIndex, count, params, projection, base, out);
      return;
    }
    if (filter != null) {
      FilterRules.checkFilterable(type, filter);
    }
    Sort sort = null;
    if (params.sortBy() != null && !params.sortBy().isBlank()) {
      sort = new Sort(sortPath(type, params.sortBy()), descending);
    }
    Query query =
        new Query(
            filter,
            sort,
            startIndex,
            count,
            cursor,
            rendering.loadForWrite(type, projection),
            scanLimits);
    store.reading(
        scope,
        r -> {
          Page page = r.query(type.name(), query);
          out.respond(
              200,
              Map.of(),
              g -> {
                startListResponse(g, page.totalResults(), page.resources().size());
                if (cursor == null) {
                  g.writeNumberField("startIndex", startIndex);
                } else {
                  // RFC 9865 §2.2: cursor paging answers nextCursor/previousCursor instead of
                  // startIndex.
                  if (page.nextCursor() != null) {
                    g.writeStringField("nextCursor", page.nextCursor());
                  }
                  if (page.previousCursor() != null) {
                    g.writeStringField("previousCursor", page.previousCursor());
                  }
                }
                g.writeArrayFieldStart("Resources");
                for (StoredResource s : page.resources()) {
                  rendering.write(g, r, type, s, base, projection);
                }
                g.writeEndArray();
                g.writeEndObject();
              });
        });
  }

  /** Opens a ListResponse (RFC 7644 §3.4.2): its schemas and counts; the caller writes the rest. */
  private static void startListResponse(JsonGenerator g, long totalResults, int itemsPerPage)
      throws IOException {
    g.writeStartObject();
    g.writeArrayFieldStart("schemas");
    g.writeString(SchemaUrns.LIST_RESPONSE);
    g.writeEndArray();
    g.writeNumberField("totalResults", totalResults);
    g.writeNumberField("itemsPerPage", itemsPerPage);
  }

  /** One resource of a search across types, with its type. */
  private record Found(ResourceType type, StoredResource resource) {}

  private void listAll(
      Scope scope,
      @Nullable Filter filter,
      int startIndex,
      int count,
      ListParams params,
      Projection projection,
      String base,
      Responder out) {
    if (params.cursor() != null) {
      throw ScimException.invalidValue(
          "cursor paging is unsupported on a search across all resource types; search one resource type");
    }
    if (params.sortBy() != null && !params.sortBy().isBlank()) {
      throw ScimException.invalidValue(
          "sortBy is unsupported on a search across all resource types; search one resource type");
    }
    List<ResourceType> types = new ArrayList<>();
    Map<String, Filter> filters = new LinkedHashMap<>();
    ScimException lastProblem = null;
    boolean anyDefinesAll = filter == null;
    for (ResourceType t : registry.resourceTypes()) {
      if (filter == null) {
        types.add(t);
        continue;
      }
      try {
        FilterRules.checkFilterable(t, filter);
        anyDefinesAll = true;
      } catch (ScimException e) {
        lastProblem = e;
      }
      switch (FilterRules.scope(t, filter)) {
        case FilterRules.Scoped.Never never -> {}
        case FilterRules.Scoped.Always always -> types.add(t);
        case FilterRules.Scoped.Of of -> {
          types.add(t);
          filters.put(t.name(), of.filter());
        }
      }
    }
    if (!anyDefinesAll && types.isEmpty() && lastProblem != null) {
      throw lastProblem;
    }
    store.reading(
        scope,
        r -> {
          long total = 0;
          long skip = startIndex - 1L;
          int remaining = count;
          List<Found> found = new ArrayList<>();
          for (ResourceType t : types) {
            // Index paging over the concatenation of the types, in registry order.
            int from = (int) Math.min(Integer.MAX_VALUE, skip + 1);
            Page page =
                r.query(
                    t.name(),
                    new Query(
                        filters.get(t.name()),
                        null,
                        from,
                        remaining,
                        null,
                        rendering.loadForWrite(t, projection),
                        scanLimits));
            total += page.totalResults();
            skip = Math.max(0, skip - page.totalResults());
            for (StoredResource s : page.resources()) {
              found.add(new Found(t, s));
            }
            remaining -= page.resources().size();
          }
          long totalResults = total;
          out.respond(
              200,
              Map.of(),
              g -> {
                startListResponse(g, totalResults, found.size());
                g.writeNumberField("startIndex", startIndex);
                g.writeArrayFieldStart("Resources");
                for (Found f : found) {
                  rendering.write(g, r, f.type(), f.resource(), base, projection);
                }
                g.writeEndArray();
                g.writeEndObject();
              });
        });
  }

  /** RFC 7644 §3.4.2.4: absent or below 1 means 1. */
  private static int startIndex(@Nullable String text) {
    if (text == null || text.isBlank()) {
      return 1;
    }
    long v = parseInteger("startIndex", text);
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, v));
  }

  /**
   * RFC 7644 §3.4.2.4: absent means the default page size, negative 0, above the maximum capped.
   */
  private int count(@Nullable String text) {
    if (text == null || text.isBlank()) {
      return Math.min(config.defaultPageSize(), config.maxPageSize());
    }
    long v = parseInteger("count", text);
    return (int) Math.max(0, Math.min(config.maxPageSize(), v));
  }

  private static long parseInteger(String name, String text) {
    String t = text.trim();
    if (!t.matches("[+-]?[0-9]+")) {
      throw ScimException.invalidValue(
          name + " must be an integer, not " + ScimException.quote(text));
    }
    try {
      return Long.parseLong(t);
    } catch (NumberFormatException e) {
      // Only overflow gets here: saturate.
      return t.startsWith("-") ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  private static boolean descending(@Nullable String sortOrder) {
    if (sortOrder == null || sortOrder.isBlank()) {
      return false;
    }
    return switch (sortOrder.trim().toLowerCase(Locale.ROOT)) {
      case "ascending" -> false;
      case "descending" -> true;
      default ->
          throw ScimException.invalidValue(
              "sortOrder must be \"ascending\" or \"descending\", not "
                  + ScimException.quote(sortOrder));
    };
  }

  private static AttrPath sortPath(ResourceType type, String sortBy) {
    AttrPath path = AttrPath.parse(sortBy);
    ResolvedPath resolved =
        type.resolve(path)
            .orElseThrow(
                () ->
                    ScimException.invalidPath(
                        "sortBy "
                            + ScimException.quote(type.spell(path))
                            + " names no attribute of "
                            + type.name()));
    if (resolved.target() != null && resolved.target().returned() == Returned.NEVER
        || resolved.attribute() != null && resolved.attribute().returned() == Returned.NEVER) {
      throw ScimException.invalidPath(
          "sortBy \"" + type.spell(path) + "\" names an attribute that is never returned");
    }
    if (resolved.attribute() == null) {
      throw ScimException.invalidPath(
          "sortBy \"" + type.spell(path) + "\" names a schema, not an attribute");
    }
    return path;
  }
}
