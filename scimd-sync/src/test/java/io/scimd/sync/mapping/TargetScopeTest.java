package io.scimd.sync.mapping;

import static io.scimd.sync.mapping.MappingTest.entraUser;
import static io.scimd.sync.mapping.MappingTest.json;
import static io.scimd.sync.mapping.MappingTest.oktaUser;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.schema.SchemaRegistry;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TargetScopeTest {
  static final SchemaRegistry BUILT_IN = SchemaRegistry.builtIn();

  static TargetScope scope(String spec) {
    return TargetScope.compile(spec, BUILT_IN);
  }

  static ObjectNode group(String id, String name) {
    return json("{\"id\":\"" + id + "\",\"displayName\":\"" + name + "\"}");
  }

  @Test
  void noScope_includesEveryUserAndGroup_andDeactivates() {
    for (TargetScope s : new TargetScope[] {TargetScope.everything(), scope("{}")}) {
      assertThat(s.includesUser(oktaUser(), Set.of())).isTrue();
      assertThat(s.includesGroup(group("g9", "Anything"))).isTrue();
      assertThat(s.onLeave()).isEqualTo(TargetScope.OnLeave.DEACTIVATE);
      assertThat(s.dependsOnMembership()).isFalse();
    }
  }

  @Test
  void userFilter_isEvaluatedOnTheUser() {
    TargetScope s =
        scope(
            "{\"users\":{\"filter\":\"active eq true and urn:ietf:params:scim:schemas:extension:"
                + "enterprise:2.0:User:department eq \\\"retail\\\"\"}}");
    assertThat(s.includesUser(entraUser(), Set.of()))
        .as("department compares case-insensitively")
        .isTrue();
    assertThat(s.includesUser(oktaUser(), Set.of())).isFalse();
    ObjectNode inactive = entraUser().put("active", false);
    assertThat(s.includesUser(inactive, Set.of())).isFalse();
  }

  @Test
  void userFilter_withAValueFilter() {
    TargetScope s =
        scope(
            "{\"users\":{\"filter\":\"emails[type eq \\\"work\\\" and value ew \\\"@contoso.com\\\"]\"}}");
    assertThat(s.includesUser(entraUser(), Set.of())).isTrue();
    assertThat(s.includesUser(oktaUser(), Set.of())).isFalse();
  }

  @Test
  void groupMembership_byDisplayNameInAnyCase_orById() {
    TargetScope s = scope("{\"users\":{\"groups\":[\"engineering\",\"g-42\"]}}");
    assertThat(s.dependsOnMembership()).isTrue();
    assertThat(s.includesUser(entraUser(), Set.of("g1", "Engineering"))).isTrue();
    assertThat(s.includesUser(entraUser(), Set.of("G-42"))).isTrue();
    assertThat(s.includesUser(entraUser(), Set.of("g1", "Sales"))).isFalse();
    assertThat(s.includesUser(entraUser(), Set.of())).isFalse();
    // From the user's own groups attribute, as the store returns it.
    assertThat(s.includesUser(oktaUser())).isTrue();
    assertThat(s.includesUser(entraUser())).isFalse();
  }

  @Test
  void filterAndMembership_mustBothHold() {
    TargetScope s =
        scope("{\"users\":{\"filter\":\"active eq true\",\"groups\":[\"Engineering\"]}}");
    assertThat(s.includesUser(oktaUser(), Set.of("Engineering"))).isTrue();
    assertThat(s.includesUser(oktaUser().put("active", false), Set.of("Engineering"))).isFalse();
  }

  @Test
  void groupSelection() {
    assertThat(scope("{\"groups\":\"none\"}").includesGroup(group("g1", "Engineering"))).isFalse();
    assertThat(scope("{\"groups\":\"all\"}").includesGroup(group("g1", "Engineering"))).isTrue();
    TargetScope listed = scope("{\"groups\":[\"Engineering\",\"g-7\"]}");
    assertThat(listed.includesGroup(group("g1", "ENGINEERING"))).isTrue();
    assertThat(listed.includesGroup(group("g-7", "Other"))).isTrue();
    assertThat(listed.includesGroup(group("g2", "Sales"))).isFalse();
    TargetScope scoped = scope("{\"users\":{\"groups\":[\"Sales\"]},\"groups\":\"scoped\"}");
    assertThat(scoped.includesGroup(group("g2", "Sales"))).isTrue();
    assertThat(scoped.includesGroup(group("g1", "Engineering"))).isFalse();
  }

  @Test
  void onLeave_delete() {
    assertThat(scope("{\"onLeave\":\"delete\"}").onLeave()).isEqualTo(TargetScope.OnLeave.DELETE);
  }

  @Test
  void badScopes_areRefused_naming_theProblem() {
    assertThatThrownBy(() -> scope("{\"users\":{\"filter\":\"userName eq\"}}"))
        .isInstanceOf(MappingException.class)
        .hasMessageStartingWith("users.filter: ");
    assertThatThrownBy(() -> scope("{\"users\":{\"filter\":\"jobTitle eq \\\"x\\\"\"}}"))
        .hasMessage(
            "users.filter: invalid filter: unknown attribute \"jobtitle\" for resource type User");
    assertThatThrownBy(() -> scope("{\"user\":{}}"))
        .hasMessage("user: unknown key; did you mean users?");
    assertThatThrownBy(() -> scope("{\"users\":{\"group\":[\"a\"]}}"))
        .hasMessage("users.group: unknown key; did you mean groups?");
    assertThatThrownBy(() -> scope("{\"groups\":\"scoped\"}"))
        .hasMessage("groups: \"scoped\" pushes the groups of users.groups, which names none");
    assertThatThrownBy(() -> scope("{\"onLeave\":\"suspend\"}"))
        .hasMessage("onLeave: must be \"deactivate\" or \"delete\", found \"suspend\"");
    assertThatThrownBy(() -> scope("{\"users\":{\"groups\":[]},\"groups\":7}"))
        .isInstanceOfSatisfying(
            MappingException.class,
            e ->
                assertThat(e.problems())
                    .containsExactly(
                        "users.groups: must be a non-empty list of group ids and displayNames",
                        "groups: must be \"all\", \"none\", \"scoped\" or a list of group ids and"
                            + " displayNames, found 7"));
  }
}
