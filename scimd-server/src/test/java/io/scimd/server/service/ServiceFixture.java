package io.scimd.server.service;

import static io.scimd.core.schema.SchemaUrns.GROUP;
import static io.scimd.core.schema.SchemaUrns.PATCH_OP;
import static io.scimd.core.schema.SchemaUrns.USER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import io.scimd.core.error.ScimException;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.Load;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.store.StoredResource;
import io.scimd.store.jdbc.Stores;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.function.Consumer;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A real SQLite store in a temporary directory, with the service on top. */
abstract class ServiceFixture {
  static final String BASE = "https://scim.example.com/scim/v2";
  static final ObjectMapper M = new ObjectMapper();
  static final Scope SCOPE = Scope.system(Scope.DEFAULT_TENANT, "test");

  @TempDir Path dir;
  final SchemaRegistry registry = SchemaRegistry.builtIn();
  Store store;
  RecordingStore recording;
  ScimService service;
  ResourceType users;
  ResourceType groups;

  @BeforeEach
  void open() {
    store = Stores.sqlite(dir, registry, InstantSource.system());
    recording = new RecordingStore(store);
    service = new ScimService(registry, recording, config());
    users = registry.user();
    groups = registry.group();
  }

  ServiceConfig config() {
    return ServiceConfig.DEFAULTS;
  }

  @AfterEach
  void close() {
    store.close();
  }

  static JsonNode json(String s) {
    try {
      return M.readTree(s);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  String createUser(String userName) {
    return service
        .create(
            SCOPE,
            users,
            json("{\"schemas\":[\"" + USER + "\"],\"userName\":\"" + userName + "\"}"),
            BASE,
            null,
            null)
        .body()
        .get("id")
        .asText();
  }

  String createGroup(String displayName, String... memberIds) {
    StringBuilder members = new StringBuilder();
    for (String m : memberIds) {
      members.append(members.isEmpty() ? "" : ",").append("{\"value\":\"").append(m).append("\"}");
    }
    return service
        .create(
            SCOPE,
            groups,
            json(
                "{\"schemas\":[\""
                    + GROUP
                    + "\"],\"displayName\":\""
                    + displayName
                    + "\",\"members\":["
                    + members
                    + "]}"),
            BASE,
            null,
            null)
        .body()
        .get("id")
        .asText();
  }

  ScimResponse patch(ResourceType type, String id, String ops) {
    return service.patch(
        SCOPE,
        type,
        id,
        json("{\"schemas\":[\"" + PATCH_OP + "\"],\"Operations\":" + ops + "}"),
        BASE,
        null,
        null,
        null);
  }

  ScimResponse list(ResourceType type, @Nullable String filter, @Nullable String excluded) {
    return list(
        SCOPE, type, new ListParams(filter, null, null, null, null, null, null, excluded), BASE);
  }

  /** {@link ScimService#get}, its streamed answer collected as a tree. */
  ScimResponse get(
      Scope scope,
      ResourceType type,
      String id,
      String base,
      @Nullable String attributes,
      @Nullable String excluded,
      @Nullable String ifNoneMatch) {
    return collect(
        out -> service.get(scope, type, id, base, attributes, excluded, ifNoneMatch, out));
  }

  /** {@link ScimService#list}, its streamed answer collected as a tree. */
  ScimResponse list(Scope scope, @Nullable ResourceType type, ListParams params, String base) {
    return collect(out -> service.list(scope, type, params, base, out));
  }

  /**
   * Runs a read that answers to a {@link Responder} and returns what it sent, the body as a tree.
   */
  static ScimResponse collect(Consumer<Responder> read) {
    ScimResponse[] sent = new ScimResponse[1];
    read.accept(
        (status, headers, body) -> {
          assertThat(sent[0]).as("a read responds once").isNull();
          JsonNode tree = null;
          if (body != null) {
            try (TokenBuffer buffer = new TokenBuffer(M, false)) {
              body.writeTo(buffer);
              tree = M.readTree(buffer.asParser());
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          }
          sent[0] = new ScimResponse(status, tree, headers);
        });
    assertThat(sent[0]).as("the read responded").isNotNull();
    return sent[0];
  }

  List<String> memberIds(String groupId) {
    return store.read(SCOPE, r -> r.members(groupId).stream().map(m -> m.value()).toList());
  }

  StoredResource stored(ResourceType type, String id) {
    return store.read(SCOPE, r -> r.get(type.name(), id, Load.NONE).orElseThrow());
  }

  static ScimException error(ThrowingCallable call) {
    ScimException e = catchThrowableOfType(ScimException.class, call);
    assertThat(e).as("expected a ScimException").isNotNull();
    return e;
  }
}
