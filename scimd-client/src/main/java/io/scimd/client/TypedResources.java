package io.scimd.client;

import io.scimd.core.filter.Filter;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * {@link ScimResources} with typed values in and out; {@link #json()} reaches the same endpoint as
 * JSON for what the types do not cover.
 */
public final class TypedResources<T extends TypedResource> {
  private final ScimResources json;
  private final Function<ScimResource, T> type;

  TypedResources(ScimResources json, Function<ScimResource, T> type) {
    this.json = json;
    this.type = type;
  }

  public ScimResources json() {
    return json;
  }

  public T get(String id) {
    return type.apply(json.get(id));
  }

  public T create(T value) {
    return type.apply(json.create(value.json()));
  }

  /**
   * PUT {@code value} over the resource of its id, only if it is still at the version {@code value}
   * was read at (its {@link TypedResource#etag()}, when it has one): a lost update answers 412
   * instead of overwriting someone else's change.
   */
  public T replace(T value) {
    String id = value.id();
    if (id == null) {
      throw new IllegalArgumentException("a resource to replace needs its id");
    }
    return type.apply(json.replace(id, value.json(), value.etag()));
  }

  /** {@link ScimResources#patch}; empty when the server answered 204. */
  public Optional<T> patch(String id, Patch patch, @Nullable String ifMatch) {
    return json.patch(id, patch, ifMatch).map(type);
  }

  public void delete(String id) {
    json.delete(id, null);
  }

  public Stream<T> list(SearchRequest request) {
    return json.list(request).map(type);
  }

  public Stream<T> list(Filter filter) {
    return json.list(filter).map(type);
  }
}
