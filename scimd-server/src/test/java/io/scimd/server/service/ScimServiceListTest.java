package io.scimd.server.service;

import static io.scimd.core.schema.SchemaUrns.LIST_RESPONSE;
import static io.scimd.core.schema.SchemaUrns.SEARCH_REQUEST;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.error.ScimType;
import io.scimd.core.resource.UnknownAttributePolicy;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class ScimServiceListTest extends ServiceFixture {

  @Override
  ServiceConfig config() {
    return new ServiceConfig(3, 4, 10, 1_048_576, UnknownAttributePolicy.REJECT);
  }

  private JsonNode page(@Nullable String startIndex, @Nullable String count) {
    return list(
            SCOPE,
            users,
            new ListParams(null, null, null, startIndex, count, null, null, null),
            BASE)
        .body();
  }

  private static List<String> names(JsonNode listResponse) {
    List<String> out = new ArrayList<>();
    listResponse
        .get("Resources")
        .forEach(r -> out.add(r.path("userName").asText(r.path("displayName").asText())));
    return out;
  }

  @Test
  void listResponse_hasSchemasTotalsAndResources() {
    createUser("u1");
    createUser("u2");
    JsonNode body = page(null, null);
    assertThat(body.get("schemas").get(0).asText()).isEqualTo(LIST_RESPONSE);
    assertThat(body.get("totalResults").asLong()).isEqualTo(2);
    assertThat(body.get("startIndex").asInt()).isEqualTo(1);
    assertThat(body.get("itemsPerPage").asInt()).isEqualTo(2);
    assertThat(names(body)).containsExactly("u1", "u2");
  }

  @Test
  void noMatch_is200WithTotalZeroAndEmptyResources() {
    ScimResponse r = list(users, "userName eq \"ghost\"", null);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body().get("totalResults").asLong()).isZero();
    assertThat(r.body().get("Resources").isArray()).isTrue();
    assertThat(r.body().get("Resources")).isEmpty();
  }

  @Test
  void paging_startIndexAndCountRules() {
    for (int i = 1; i <= 6; i++) {
      createUser("p" + i);
    }
    assertThat(names(page(null, null))).hasSize(3); // default page size
    assertThat(names(page("0", "2"))).containsExactly("p1", "p2"); // < 1 means 1
    assertThat(page("-5", "2").get("startIndex").asInt()).isEqualTo(1);
    assertThat(names(page("5", "2"))).containsExactly("p5", "p6");
    assertThat(names(page("2", "100"))).hasSize(4); // capped at maxPageSize
    JsonNode zero = page(null, "-3"); // negative means 0: only the total
    assertThat(zero.get("totalResults").asLong()).isEqualTo(6);
    assertThat(zero.get("Resources")).isEmpty();
    for (String[] bad : new String[][] {{"x", null}, {null, "1.5"}, {null, "ten"}}) {
      ScimException e = error(() -> page(bad[0], bad[1]));
      assertThat(e.status()).isEqualTo(400);
      assertThat(e.scimType()).isEqualTo(ScimType.INVALID_VALUE);
    }
  }

  @Test
  void sort_byAttributeAnyOrderCase_unknownIsInvalidPath() {
    createUser("bravo");
    createUser("alpha");
    createUser("charlie");
    JsonNode asc =
        list(
                SCOPE,
                users,
                new ListParams(null, "userName", null, null, null, null, null, null),
                BASE)
            .body();
    assertThat(names(asc)).containsExactly("alpha", "bravo", "charlie");
    JsonNode desc =
        list(
                SCOPE,
                users,
                new ListParams(null, "USERNAME", "DESCENDING", null, null, null, null, null),
                BASE)
            .body();
    assertThat(names(desc)).containsExactly("charlie", "bravo", "alpha");
    ScimException e =
        error(
            () ->
                list(
                    SCOPE,
                    users,
                    new ListParams(null, "shoeSize", null, null, null, null, null, null),
                    BASE));
    assertThat(e.scimType()).isEqualTo(ScimType.INVALID_PATH);
    ScimException o =
        error(
            () ->
                list(
                    SCOPE,
                    users,
                    new ListParams(null, "userName", "sideways", null, null, null, null, null),
                    BASE));
    assertThat(o.scimType()).isEqualTo(ScimType.INVALID_VALUE);
  }

  @Test
  void badFilter_is400InvalidFilter() {
    ScimException e = error(() -> list(users, "userName eq", null));
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.scimType()).isEqualTo(ScimType.INVALID_FILTER);
  }

  @Test
  void cursorPaging_walksAllPagesWithNextCursor() {
    for (int i = 1; i <= 5; i++) {
      createUser("c" + i);
    }
    List<String> seen = new ArrayList<>();
    String cursor = "";
    int pages = 0;
    while (cursor != null && pages < 10) {
      JsonNode body =
          list(SCOPE, users, new ListParams(null, null, null, null, "2", cursor, null, null), BASE)
              .body();
      assertThat(body.has("startIndex")).isFalse();
      seen.addAll(names(body));
      cursor = body.has("nextCursor") ? body.get("nextCursor").asText() : null;
      pages++;
    }
    assertThat(seen).containsExactly("c1", "c2", "c3", "c4", "c5");
    assertThat(pages).isEqualTo(3);
    ScimException e =
        error(
            () ->
                list(
                    SCOPE,
                    users,
                    new ListParams(null, null, null, null, "2", "garbage", null, null),
                    BASE));
    assertThat(e.scimType()).isEqualTo(ScimType.INVALID_CURSOR);
  }

  @Test
  void rootSearch_concatenatesTypesWithIndexPaging_refusesCursorAndSort() {
    createUser("r1");
    createUser("r2");
    createGroup("rg1");
    createGroup("rg2");
    JsonNode all =
        list(SCOPE, null, new ListParams(null, null, null, "2", "2", null, null, null), BASE)
            .body();
    assertThat(all.get("totalResults").asLong()).isEqualTo(4);
    assertThat(names(all)).containsExactly("r2", "rg1");
    JsonNode filtered =
        list(
                SCOPE,
                null,
                new ListParams("displayName eq \"rg2\"", null, null, null, null, null, null, null),
                BASE)
            .body();
    assertThat(names(filtered)).containsExactly("rg2");
    assertThat(
            error(
                    () ->
                        list(
                            SCOPE,
                            null,
                            new ListParams(null, null, null, null, null, "", null, null),
                            BASE))
                .scimType())
        .isEqualTo(ScimType.INVALID_VALUE);
    assertThat(
            error(
                    () ->
                        list(
                            SCOPE,
                            null,
                            new ListParams(null, "id", null, null, null, null, null, null),
                            BASE))
                .scimType())
        .isEqualTo(ScimType.INVALID_VALUE);
  }

  @Test
  void searchBody_sameAsQuery() {
    createUser("s1");
    createUser("s2");
    ListParams p =
        ListParams.fromSearchRequest(
            json(
                "{\"schemas\":[\""
                    + SEARCH_REQUEST
                    + "\"],\"filter\":\"userName eq \\\"S2\\\"\",\"attributes\":[\"userName\"],\"count\":10}"));
    JsonNode body = list(SCOPE, users, p, BASE).body();
    assertThat(names(body)).containsExactly("s2");
    assertThat(body.get("Resources").get(0).has("meta")).isFalse();
  }
}
