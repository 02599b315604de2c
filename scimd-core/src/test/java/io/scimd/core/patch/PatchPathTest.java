package io.scimd.core.patch;

import static io.scimd.core.patch.PatchTesting.scimError;
import static org.assertj.core.api.Assertions.assertThat;

import io.scimd.core.error.ScimType;
import io.scimd.core.filter.FilterParser;
import io.scimd.core.path.AttrPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PatchPathTest {
  private static final String ENT = PatchTesting.ENTERPRISE;

  @Test
  void parse_plainAttribute() {
    PatchPath p = PatchPath.parse("userName");
    assertThat(p.attribute()).isEqualTo(AttrPath.of("username"));
    assertThat(p.valueFilter()).isNull();
    assertThat(p.subAttribute()).isNull();
  }

  @Test
  void parse_subAttribute() {
    assertThat(PatchPath.parse(" name.givenName ").attribute())
        .isEqualTo(AttrPath.of("name", "givenName"));
  }

  @Test
  void parse_valueFilter_goesToFilterParser() {
    PatchPath p = PatchPath.parse("emails[type eq \"work\"]");
    assertThat(p.attribute()).isEqualTo(AttrPath.of("emails"));
    assertThat(p.valueFilter()).isEqualTo(FilterParser.parse("type eq \"work\""));
    assertThat(p.subAttribute()).isNull();
  }

  @Test
  void parse_valueFilterWithSubAttribute_lowerCasesIt() {
    PatchPath p = PatchPath.parse("emails[type eq \"work\" and primary eq true].Value");
    assertThat(p.valueFilter())
        .isEqualTo(FilterParser.parse("type eq \"work\" and primary eq true"));
    assertThat(p.subAttribute()).isEqualTo("value");
  }

  @Test
  void parse_bracketsInsideQuotes_doNotCloseTheFilter() {
    PatchPath p = PatchPath.parse("emails[value eq \"a]b[c\"].display");
    assertThat(p.valueFilter()).isEqualTo(FilterParser.parse("value eq \"a]b[c\""));
    assertThat(p.subAttribute()).isEqualTo("display");
  }

  @Test
  void parse_escapedQuoteInsideQuotes_staysInTheString() {
    PatchPath p = PatchPath.parse("emails[value eq \"x\\\"]\"]");
    assertThat(p.valueFilter()).isEqualTo(FilterParser.parse("value eq \"x\\\"]\""));
  }

  @Test
  void parse_enterpriseManager_urnQualified() {
    assertThat(PatchPath.parse(ENT + ":manager").attribute())
        .isEqualTo(new AttrPath(ENT, "manager", null));
    assertThat(PatchPath.parse(ENT + ":manager.value").attribute())
        .isEqualTo(new AttrPath(ENT, "manager", "value"));
  }

  @Test
  void parse_bareExtensionUrn_resolvesToTheWholeExtension() {
    PatchPath p = PatchPath.parse(ENT);
    assertThat(PatchTesting.USER.resolve(p.attribute()))
        .hasValueSatisfying(
            r -> {
              assertThat(r.attribute()).isNull();
              assertThat(r.schema().id()).isEqualTo(ENT);
            });
  }

  @Test
  void parse_urnQualifiedValuePath() {
    PatchPath p =
        PatchPath.parse(
            "urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq \"work\"].value");
    assertThat(p.attribute())
        .isEqualTo(new AttrPath("urn:ietf:params:scim:schemas:core:2.0:User", "emails", null));
    assertThat(p.subAttribute()).isEqualTo("value");
  }

  @Test
  void parse_extensionUrnEndingInAVersion_isAWholeExtensionPath() {
    PatchPath p = PatchPath.parse("urn:acme:ext:1.0");
    assertThat(p.attribute()).isEqualTo(new AttrPath("urn:acme:ext", "1.0", null));
  }

  @Test
  void toString_printsAPathThatParsesBack() {
    for (String s :
        new String[] {
          "name.givenname", "emails[type eq \"work\"].value", ENT.toLowerCase() + ":manager"
        }) {
      assertThat(PatchPath.parse(PatchPath.parse(s).toString())).isEqualTo(PatchPath.parse(s));
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "   ",
        "emails[",
        "emails]",
        "emails[type eq \"work\"",
        "emails[type eq \"work]",
        "emails[]",
        "emails[  ]",
        "[type eq \"work\"]",
        "name.givenName[type eq \"work\"]",
        "emails[type eq \"work\"]x",
        "emails[type eq \"work\"].",
        "emails[type eq \"work\"].a.b",
        "emails[type eq \"work\"][value eq \"x\"]",
        "a.b.c",
        "user name",
        "1abc",
        "urn:",
        "urn:x",
        "name.",
        ".name",
        "na\"me"
      })
  void parse_rejectsMalformed_withInvalidPathNamingIt(String text) {
    var e = scimError(ScimType.INVALID_PATH, () -> PatchPath.parse(text));
    assertThat(e.getMessage()).contains("\"" + text + "\"").doesNotContain("null");
  }

  @Test
  void parse_hugeMalformedPath_quotesOnlyItsStart() {
    String text = "x".repeat(100_000) + "[";
    var e = scimError(ScimType.INVALID_PATH, () -> PatchPath.parse(text));
    assertThat(e.getMessage())
        .hasSizeLessThan(400)
        .contains("x".repeat(200) + "\u2026\" (100001 characters)");
  }

  @Test
  void parse_badValueFilter_isInvalidFilter() {
    scimError(ScimType.INVALID_FILTER, () -> PatchPath.parse("emails[type eq]"));
  }
}
