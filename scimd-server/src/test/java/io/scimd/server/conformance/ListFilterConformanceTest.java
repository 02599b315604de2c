package io.scimd.server.conformance;

import static io.scimd.core.schema.SchemaUrns.ENTERPRISE_USER;
import static io.scimd.core.schema.SchemaUrns.USER;
import static io.scimd.server.http.TestServer.assertScimError;
import static io.scimd.server.http.TestServer.q;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.server.http.TestServer;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * RFC 7644 §3.4.2: filtering (§3.4.2.2), sorting (§3.4.2.3), paging (§3.4.2.4) and the
 * ListResponse.
 */
class ListFilterConformanceTest {
  static final String DEVICE = "urn:example:scim:schemas:2.0:Device";
  static final String TEST_EXT = "urn:example:scim:schemas:extension:test:2.0:User";
  static TestServer server;
  static TestServer.Client scim;
  static String aliceId;
  static String managerId;
  static Instant aliceModified;

  @BeforeAll
  static void start() throws InterruptedException {
    server = TestServer.startWithSchemas("/schemas/conformance");
    scim = server.scim();
    managerId = scim.createUser("boss");
    JsonNode alice =
        scim.create(
            "/Users",
            "{\"schemas\":[\""
                + USER
                + "\",\""
                + ENTERPRISE_USER
                + "\",\""
                + TEST_EXT
                + "\"],\"userName\":\"flt-alice\","
                + "\"externalId\":\"ExtAlice\",\"name\":{\"givenName\":\"Alice\",\"familyName\":\"Zephyr\"},"
                + "\"title\":\"Engineer\",\"active\":true,\"emails\":[{\"type\":\"work\",\"value\":\"alice@example.com\",\"primary\":true},"
                + "{\"type\":\"home\",\"value\":\"alice@home.org\"}],\""
                + ENTERPRISE_USER
                + "\":{\"department\":\"R&D\",\"manager\":{\"value\":\""
                + managerId
                + "\"}},\""
                + TEST_EXT
                + "\":{\"level\":5}}");
    aliceId = alice.path("id").asText();
    aliceModified = Instant.parse(alice.path("meta").path("lastModified").asText());
    Thread.sleep(5);
    scim.create(
        "/Users",
        "{\"schemas\":[\""
            + USER
            + "\",\""
            + ENTERPRISE_USER
            + "\",\""
            + TEST_EXT
            + "\"],\"userName\":\"flt-bob\","
            + "\"name\":{\"givenName\":\"Bob\"},\"title\":\"Manager\",\"active\":false,"
            + "\"emails\":[{\"type\":\"work\",\"value\":\"bob@example.com\"}],\""
            + ENTERPRISE_USER
            + "\":{\"department\":\"Sales\"},\""
            + TEST_EXT
            + "\":{\"level\":10}}");
    scim.create(
        "/Users",
        "{\"schemas\":[\""
            + USER
            + "\",\""
            + TEST_EXT
            + "\"],\"userName\":\"flt-carol\",\"name\":{\"givenName\":\"carol\"},"
            + "\"active\":true,\"emails\":[{\"type\":\"home\",\"value\":\"carol@example.org\"}],\""
            + TEST_EXT
            + "\":{\"level\":7}}");
    scim.create(
        "/Users",
        "{\"schemas\":[\""
            + USER
            + "\"],\"userName\":\"flt-dave\",\"title\":\"engineer\",\"active\":true}");
    for (int i : new int[] {9, 10, 100}) {
      scim.create(
          "/Devices",
          "{\"schemas\":[\""
              + DEVICE
              + "\"],\"name\":\"dev"
              + i
              + "\",\"size\":"
              + i
              + ",\"ratio\":"
              + (i / 100.0)
              + ",\"enabled\":"
              + (i != 10)
              + ",\"seen\":\"2024-0"
              + (i == 9 ? 1 : i == 10 ? 2 : 3)
              + "-01T10:00:00+02:00\","
              + "\"serial\":\"SN-"
              + i
              + "\",\"tags\":[\"t"
              + i
              + "\",\"all\"]}");
    }
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** The flt- users matching {@code filter}, sorted. */
  static List<String> flt(String filter) {
    List<String> out = new ArrayList<>();
    for (String n : scim.userNames("userName sw \"flt-\" and (" + filter + ")")) {
      out.add(n.substring(4));
    }
    out.sort(null);
    return out;
  }

  static List<String> devices(String filter) {
    JsonNode body = scim.list("/Devices?filter=" + q(filter));
    List<String> out = new ArrayList<>();
    body.path("Resources").forEach(d -> out.add(d.path("name").asText()));
    out.sort(null);
    return out;
  }

  // §3.4.2.2 string operators

  @Test
  void rfc7644_3_4_2_2_eq_onUserName_isCaseInsensitive() {
    assertThat(flt("userName eq \"FLT-ALICE\"")).containsExactly("alice");
    assertThat(flt("title eq \"engineer\"")).containsExactly("alice", "dave");
  }

  @Test
  void rfc7644_3_4_2_2_eq_onCaseExactAttributes_isCaseSensitive() {
    assertThat(flt("externalId eq \"ExtAlice\"")).containsExactly("alice");
    assertThat(flt("externalId eq \"extalice\"")).isEmpty();
    assertThat(flt("id eq \"" + aliceId + "\"")).containsExactly("alice");
    assertThat(flt("id eq \"" + aliceId.toUpperCase() + "\"")).isEmpty();
  }

  @Test
  void rfc7644_3_4_2_2_ne() {
    assertThat(flt("title ne \"Engineer\"")).contains("bob").doesNotContain("alice", "dave");
  }

  @Test
  void rfc7644_3_4_2_2_co_sw_ew() {
    assertThat(flt("name.givenName co \"LI\"")).containsExactly("alice");
    assertThat(flt("name.givenName sw \"C\"")).containsExactly("carol");
    assertThat(flt("emails.value ew \"@HOME.org\"")).containsExactly("alice");
    assertThat(flt("userName sw \"flt-b\"")).containsExactly("bob");
  }

  @Test
  void rfc7644_3_4_2_2_complexMultiValuedWithoutSubAttribute_meansValue() {
    assertThat(flt("emails co \"example.com\"")).containsExactly("alice", "bob");
    assertThat(flt("emails eq \"carol@example.org\"")).containsExactly("carol");
  }

  @Test
  void rfc7644_3_4_2_2_pr() {
    assertThat(flt("title pr")).containsExactly("alice", "bob", "dave");
    assertThat(flt("emails pr")).containsExactly("alice", "bob", "carol");
    assertThat(flt("name.familyName pr")).containsExactly("alice");
  }

  @Test
  void rfc7644_3_4_2_2_orderingOnStrings_followsCaseExactFalse() {
    // caseExact false: "Bob" and "carol" are not less than "b"; a case-sensitive compare would say
    // "Bob" < "b".
    assertThat(flt("name.givenName lt \"b\"")).containsExactly("alice");
    assertThat(flt("name.givenName le \"bob\"")).containsExactly("alice", "bob");
    assertThat(flt("name.givenName gt \"BOB\"")).containsExactly("carol");
    assertThat(flt("name.givenName ge \"bob\"")).containsExactly("bob", "carol");
  }

  @Test
  void rfc7644_3_4_2_2_booleans_eqAndNe_butOrderingIsInvalidFilter() {
    assertThat(flt("active eq true")).containsExactly("alice", "carol", "dave");
    assertThat(flt("active eq false")).containsExactly("bob");
    assertThat(flt("active ne true")).containsExactly("bob");
    assertScimError(scim.get("/Users?filter=" + q("active gt true")), 400, "invalidFilter");
    assertScimError(scim.get("/Devices?filter=" + q("enabled le false")), 400, "invalidFilter");
  }

  @Test
  void rfc7644_3_4_2_2_dateTimes_compareChronologically() {
    assertThat(flt("meta.lastModified gt \"" + aliceModified + "\""))
        .containsExactly("bob", "carol", "dave");
    assertThat(flt("meta.lastModified ge \"" + aliceModified + "\""))
        .containsExactly("alice", "bob", "carol", "dave");
    assertThat(flt("meta.created lt \"2000-01-01T00:00:00Z\"")).isEmpty();
    // The same instant in another offset: a text comparison would get this wrong.
    String shifted = OffsetDateTime.ofInstant(aliceModified, ZoneOffset.ofHours(-5)).toString();
    assertThat(flt("meta.lastModified gt \"" + shifted + "\""))
        .containsExactly("bob", "carol", "dave");
    // seen is stored with +02:00: 2024-02-01T10:00+02:00 is 08:00Z.
    assertThat(devices("seen gt \"2024-02-01T09:00:00Z\"")).containsExactly("dev100");
    assertThat(devices("seen ge \"2024-02-01T08:00:00Z\"")).containsExactly("dev10", "dev100");
    assertThat(devices("seen eq \"2024-02-01T08:00:00Z\"")).containsExactly("dev10");
    assertThat(devices("seen lt \"2024-02-01T08:00:00.001Z\"")).containsExactly("dev10", "dev9");
  }

  @Test
  void rfc7644_3_4_2_2_numbers_compareNumerically() {
    assertThat(devices("size gt 9")).containsExactly("dev10", "dev100");
    assertThat(devices("size ge 10")).containsExactly("dev10", "dev100");
    assertThat(devices("size lt 10")).containsExactly("dev9");
    assertThat(devices("size le 10")).containsExactly("dev10", "dev9");
    assertThat(devices("size eq 100")).containsExactly("dev100");
    assertThat(devices("size ne 100")).containsExactly("dev10", "dev9");
    assertThat(devices("ratio gt 0.095")).containsExactly("dev10", "dev100");
    assertThat(devices("ratio le 0.1")).containsExactly("dev10", "dev9");
    assertThat(devices("ratio eq 1")).containsExactly("dev100");
  }

  @Test
  void rfc7644_3_4_2_2_booleansAndMultiValuedStrings_onCustomType() {
    assertThat(devices("enabled eq false")).containsExactly("dev10");
    assertThat(devices("tags eq \"t9\"")).containsExactly("dev9");
    assertThat(devices("tags eq \"all\"")).containsExactly("dev10", "dev100", "dev9");
  }

  @Test
  void rfc7644_3_4_2_2_caseExactStringOnCustomType() {
    assertThat(devices("serial eq \"SN-9\"")).containsExactly("dev9");
    assertThat(devices("serial eq \"sn-9\"")).isEmpty();
    assertThat(devices("serial sw \"sn\"")).isEmpty();
  }

  // §3.4.2.2 logical operators, grouping, precedence

  @Test
  void rfc7644_3_4_2_2_andOrNot() {
    assertThat(flt("title eq \"Manager\" or active eq false")).containsExactly("bob");
    assertThat(flt("title eq \"engineer\" and active eq true")).containsExactly("alice", "dave");
    assertThat(flt("not (active eq true)")).containsExactly("bob");
    assertThat(flt("not (title pr)")).containsExactly("carol");
    assertThat(flt("(title eq \"Manager\" or title eq \"Engineer\") and not (emails pr)"))
        .containsExactly("dave");
  }

  @Test
  void rfc7644_3_4_2_2_andBindsTighterThanOr() {
    // alice or (bob and false): alice. Left-to-right evaluation would give nothing.
    assertThat(flt("userName eq \"flt-alice\" or userName eq \"flt-bob\" and title eq \"nothing\""))
        .containsExactly("alice");
    assertThat(flt("title eq \"nothing\" and userName eq \"flt-bob\" or userName eq \"flt-carol\""))
        .containsExactly("carol");
  }

  @Test
  void rfc7644_3_4_2_2_operatorsAndAttributeNames_areCaseInsensitive() {
    assertThat(flt("USERNAME EQ \"flt-bob\"")).containsExactly("bob");
    assertThat(flt("UserName Sw \"flt-c\" OR Title Eq \"Manager\""))
        .containsExactly("bob", "carol");
    assertThat(flt("NOT (Active eq true) AND EMAILS.VALUE co \"bob\"")).containsExactly("bob");
    assertThat(flt("title PR")).containsExactly("alice", "bob", "dave");
  }

  @Test
  void rfc7644_3_4_2_2_valuePaths() {
    assertThat(flt("emails[type eq \"work\" and value co \"example.com\"]"))
        .containsExactly("alice", "bob");
    assertThat(flt("emails[type eq \"home\"]")).containsExactly("alice", "carol");
    // Both conditions must hold for the same value: alice's .org address is not her work one.
    assertThat(flt("emails[type eq \"work\" and value ew \"home.org\"]")).isEmpty();
    assertThat(flt("emails[type eq \"work\" or value ew \".org\"]"))
        .containsExactly("alice", "bob", "carol");
    assertThat(flt("emails[not (type eq \"work\")]")).containsExactly("alice", "carol");
    assertThat(flt("emails[primary eq true]")).containsExactly("alice");
    assertThat(flt("EMAILS[TYPE EQ \"work\"]")).containsExactly("alice", "bob");
  }

  @Test
  void rfc7644_3_10_urnQualifiedAttributeNames() {
    assertThat(flt(USER + ":userName eq \"flt-bob\"")).containsExactly("bob");
    assertThat(flt(USER + ":name.givenName eq \"alice\"")).containsExactly("alice");
    assertThat(flt(USER.toUpperCase() + ":USERNAME eq \"flt-bob\"")).containsExactly("bob");
  }

  @Test
  void rfc7644_3_4_2_2_filterOnExtensionAttributes() {
    assertThat(flt(ENTERPRISE_USER + ":department eq \"sales\"")).containsExactly("bob");
    assertThat(flt(ENTERPRISE_USER + ":manager.value eq \"" + managerId + "\""))
        .containsExactly("alice");
    assertThat(flt(TEST_EXT + ":level gt 6")).containsExactly("bob", "carol");
    assertThat(flt(TEST_EXT + ":level le 7")).containsExactly("alice", "carol");
    assertThat(flt(TEST_EXT + ":level pr")).containsExactly("alice", "bob", "carol");
    assertThat(flt("not (" + TEST_EXT + ":level pr)")).containsExactly("dave");
  }

  @Test
  void rfc7644_3_4_2_2_stringEscapesInValues() {
    assertThat(flt("name.givenName eq \"Al\\u0069ce\"")).containsExactly("alice");
    assertThat(flt(ENTERPRISE_USER + ":department eq \"R&D\"")).containsExactly("alice");
  }

  @Test
  void rfc7644_3_4_2_2_badFilters_are400InvalidFilter() {
    for (String bad :
        List.of(
            "userName eq",
            "userName xx \"a\"",
            "(userName eq \"a\"",
            "userName eq \"unterminated",
            "emails[type eq \"work\"",
            "userName eq \"a\" and",
            "userName eq \"a\" or or userName eq \"b\"",
            "not userName eq \"a\"",
            "userName eq a",
            "eq \"a\"",
            "userName eq \"a\")",
            "emails[type eq \"work\"]]")) {
      assertScimError(scim.get("/Users?filter=" + q(bad)), 400, "invalidFilter");
    }
  }

  @Test
  void rfc7644_3_4_2_emptyResult_is200WithTotalResultsZero() {
    JsonNode body = scim.list("/Users?filter=" + q("userName eq \"nobody-at-all\""));
    assertThat(body.path("totalResults").asInt(-1)).isZero();
    assertThat(body.path("Resources").size()).isZero();
  }

  // §3.4.2.3 sorting

  static List<String> sorted(String query) {
    JsonNode body = scim.list("/Users?filter=" + q("userName sw \"flt-\"") + "&" + query);
    List<String> out = new ArrayList<>();
    body.path("Resources").forEach(u -> out.add(u.path("userName").asText().substring(4)));
    return out;
  }

  @Test
  void rfc7644_3_4_2_3_sortBy_defaultsToAscending_andSortOrderDescending() {
    assertThat(sorted("sortBy=userName")).containsExactly("alice", "bob", "carol", "dave");
    assertThat(sorted("sortBy=userName&sortOrder=ascending"))
        .containsExactly("alice", "bob", "carol", "dave");
    assertThat(sorted("sortBy=userName&sortOrder=descending"))
        .containsExactly("dave", "carol", "bob", "alice");
    assertThat(sorted("sortBy=USERNAME&sortOrder=DESCENDING"))
        .containsExactly("dave", "carol", "bob", "alice");
  }

  @Test
  void rfc7644_3_4_2_3_sortOnCaseInsensitiveStrings_ignoresCase() {
    // "Bob" < "carol" < "Zed" whatever the case; a byte order would put "carol" last.
    assertThat(sorted("sortBy=name.givenName")).startsWith("alice", "bob", "carol");
  }

  @Test
  void rfc7644_3_4_2_3_missingValues_sortLast() {
    assertThat(sorted("sortBy=name.familyName")).first().isEqualTo("alice");
    List<String> byTitle = sorted("sortBy=title");
    assertThat(byTitle).hasSize(4);
    assertThat(byTitle.get(3)).isEqualTo("carol");
    assertThat(byTitle.get(2)).isEqualTo("bob");
  }

  @Test
  void rfc7644_3_4_2_3_missingValues_sortFirstWhenDescending() {
    // "ordered last if ascending and first if descending"
    List<String> byTitle = sorted("sortBy=title&sortOrder=descending");
    assertThat(byTitle.get(0)).isEqualTo("carol");
    assertThat(byTitle.get(1)).isEqualTo("bob");
  }

  @Test
  void rfc7644_3_4_2_3_sortOnMultiValued_usesThePrimaryOrFirstValue() {
    List<String> s = sorted("sortBy=emails");
    assertThat(s).containsExactly("alice", "bob", "carol", "dave");
  }

  @Test
  void rfc7644_3_4_2_3_sortOnNumbersAndExtension() {
    JsonNode body = scim.list("/Devices?sortBy=size&sortOrder=descending");
    List<String> names = new ArrayList<>();
    body.path("Resources").forEach(d -> names.add(d.path("name").asText()));
    assertThat(names).containsExactly("dev100", "dev10", "dev9");
    assertThat(sorted("sortBy=" + TEST_EXT + ":level"))
        .containsExactly("alice", "carol", "bob", "dave");
  }

  // §3.4.2.4 paging

  @Test
  void rfc7644_3_4_2_4_startIndexAndCount_pageThroughTheSortedResults() {
    JsonNode p =
        scim.list(
            "/Users?filter=" + q("userName sw \"flt-\"") + "&sortBy=userName&startIndex=2&count=2");
    assertThat(p.path("totalResults").asInt()).isEqualTo(4);
    assertThat(p.path("startIndex").asInt()).isEqualTo(2);
    assertThat(p.path("itemsPerPage").asInt()).isEqualTo(2);
    assertThat(p.path("Resources").get(0).path("userName").asText()).isEqualTo("flt-bob");
    assertThat(p.path("Resources").get(1).path("userName").asText()).isEqualTo("flt-carol");
    assertThat(p.has("resources")).isFalse();
  }

  @Test
  void rfc7644_3_4_2_4_startIndexBelowOne_isOne() {
    for (String si : List.of("0", "-3")) {
      JsonNode p =
          scim.list(
              "/Users?filter=" + q("userName sw \"flt-\"") + "&sortBy=userName&startIndex=" + si);
      assertThat(p.path("startIndex").asInt()).isEqualTo(1);
      assertThat(p.path("Resources").get(0).path("userName").asText()).isEqualTo("flt-alice");
    }
  }

  @Test
  void rfc7644_3_4_2_4_countZero_returnsOnlyTheTotal_andNegativeCountIsZero() {
    for (String c : List.of("0", "-1")) {
      JsonNode p = scim.list("/Users?filter=" + q("userName sw \"flt-\"") + "&count=" + c);
      assertThat(p.path("totalResults").asInt()).isEqualTo(4);
      assertThat(p.path("itemsPerPage").asInt()).isZero();
      assertThat(p.path("Resources").size()).isZero();
    }
  }

  @Test
  void rfc7644_3_4_2_4_countAboveMaximum_isCapped() {
    JsonNode p = scim.list("/Users?count=100000");
    assertThat(p.path("itemsPerPage").asInt()).isLessThanOrEqualTo(1000);
    assertThat(p.path("totalResults").asInt()).isEqualTo(5);
  }

  @Test
  void rfc7644_3_4_2_4_startIndexPastTheEnd_isAnEmptyPage() {
    JsonNode p = scim.list("/Users?filter=" + q("userName sw \"flt-\"") + "&startIndex=10");
    assertThat(p.path("totalResults").asInt()).isEqualTo(4);
    assertThat(p.path("itemsPerPage").asInt()).isZero();
    assertThat(p.path("Resources").size()).isZero();
  }

  @Test
  void rfc7644_3_4_2_4_nonNumericPagingParameters_are400() {
    assertScimError(scim.get("/Users?count=ten"), 400, "invalidValue");
    assertScimError(scim.get("/Users?startIndex=first"), 400, "invalidValue");
    assertScimError(scim.get("/Users?count=1.5"), 400, "invalidValue");
  }

  @Test
  void rfc7644_3_4_2_listResponse_fields() {
    JsonNode p = scim.list("/Users");
    assertThat(p.path("totalResults").isIntegralNumber()).isTrue();
    assertThat(p.path("itemsPerPage").asInt()).isEqualTo(p.path("Resources").size());
    assertThat(p.path("startIndex").asInt()).isEqualTo(1);
    assertThat(p.path("Resources").isArray()).isTrue();
  }

  @Test
  void rfc7644_3_4_2_3_sortByUnknownAttribute_is400() {
    assertScimError(scim.get("/Users?sortBy=shoeSize"), 400);
  }
}
