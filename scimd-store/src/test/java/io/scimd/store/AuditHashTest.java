package io.scimd.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The encodings {@link AuditHash} documents, pinned by vectors computed from that documentation
 * alone (by an independent implementation): a change to the encoding breaks every stored chain, and
 * must break this test first.
 */
class AuditHashTest {
  static final String FIRST = "f1a5bf7f05f3aff91502337d6f4080309d09744058c4d2c0ac22de105c5328f4";
  static final String SECOND = "79bb496b5e15efdd30657bd47664167dd0675351762b996946ef5d19927828f7";

  @Test
  void entryHash_isTheDocumentedEncodingsSha256() {
    String first =
        AuditHash.entry(
            "default",
            1,
            1772359200000000L,
            "credential:c-1",
            "okta",
            "10.0.0.7",
            "req-1",
            "User",
            "u-1",
            "created",
            "{\"attributes\":{\"userName\":\"alice\"}}",
            AuditHash.GENESIS);
    String second =
        AuditHash.entry(
            "default",
            2,
            1772359200000001L,
            "system:cli",
            "cli",
            null,
            "system-cli",
            "Group",
            "g-1",
            "members_added",
            "{\"members\":[{\"value\":\"u-1\",\"type\":\"User\"}]}",
            first);

    assertThat(first).isEqualTo(FIRST);
    assertThat(second).isEqualTo(SECOND);
  }

  @Test
  void anAbsentSourceAndAnEmptyOne_hashDifferently() {
    String absent =
        AuditHash.entry(
            "t", 1, 0, "p", "n", null, "r", "User", "1", "created", "{}", AuditHash.GENESIS);
    String empty =
        AuditHash.entry(
            "t", 1, 0, "p", "n", "", "r", "User", "1", "created", "{}", AuditHash.GENESIS);
    assertThat(absent).isNotEqualTo(empty);
  }

  @Test
  void fieldsCannotBeShiftedIntoOneAnother() {
    // Without lengths, "ab" + "c" and "a" + "bc" would be the same bytes.
    String a =
        AuditHash.entry(
            "t", 1, 0, "ab", "c", null, "r", "User", "1", "created", "{}", AuditHash.GENESIS);
    String b =
        AuditHash.entry(
            "t", 1, 0, "a", "bc", null, "r", "User", "1", "created", "{}", AuditHash.GENESIS);
    assertThat(a).isNotEqualTo(b);
  }

  @Test
  void checkpointBytes_areTheDocumentedEncoding() {
    byte[] signed = AuditHash.checkpoint("default", 2, SECOND, 1772359260000000L);
    assertThat(HexFormat.of().formatHex(signed))
        .isEqualTo(
            "000000137363696d642e636865636b706f696e742e76310000000764656661756c740000000000000002000000403739626234393662"
                + "356531356566646433303635376264343736363431363764643036373533353137363262393936393436656635643139393237383238"
                + "663700064bf38c1b4f00");
  }
}
