package io.scimd.access;

import io.scimd.core.filter.FilterEvaluator;
import io.scimd.core.filter.FilterParser;
import io.scimd.core.schema.SchemaRegistry;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The tenant as its {@link AccessIndex} holds it, which {@link AccessIndexes} brought up to the
 * journal's head (or within the staleness an operator allowed) just before the decision: the same
 * answers as {@link StoreDirectory}, without reading the store.
 */
final class IndexedDirectory implements Directory {
  private final AccessIndex index;
  private final SchemaRegistry registry;

  IndexedDirectory(AccessIndex index, SchemaRegistry registry) {
    this.index = index;
    this.registry = registry;
  }

  @Override
  public Optional<Identity> subject(Identity.Kind kind, String key) {
    if (registry.resourceType(kind.resourceType()).isEmpty()) {
      return Optional.empty();
    }
    return index.subject(kind, key);
  }

  @Override
  public Optional<Identity> user(String id) {
    return index.user(id);
  }

  @Override
  public Optional<Application> application(String name) {
    return index.application(name);
  }

  @Override
  public List<Application> applications() {
    return index.allApplications();
  }

  @Override
  public void membersOf(String groupId, Consumer<Member> each) {
    // Collected under the index's read lock, handed on outside it: each may call back.
    index.membersOf(groupId).forEach(each);
  }

  @Override
  public List<String> usersMatching(Application.Rule rule, int limit) {
    if (rule.filter() == null) {
      return List.of();
    }
    return index.matching(Identity.Kind.USER, rule.filter(), limit);
  }

  @Override
  public List<String> agentsOf(Application app, int limit) {
    return registry
        .resourceType(StoreDirectory.AGENT)
        .map(
            agent ->
                index.matching(
                    Identity.Kind.AGENT,
                    FilterEvaluator.compile(
                        FilterParser.parse("roles[type eq \"" + app.name() + "\"]"), agent),
                    limit))
        .orElse(List.of());
  }
}
