package io.scimd.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.scimd.core.error.ScimException;
import io.scimd.core.error.ScimType;
import org.junit.jupiter.api.Test;

class ScanLimitsTest {

  @Test
  void expensiveEvaluations_beyondTheConcurrentLimit_are503_untilOneEnds() {
    ScanLimits limits = new ScanLimits(100_000, 2);
    ScanLimits.Permit a = limits.admit(ScanLimits.FREE_CANDIDATES + 1);
    ScanLimits.Permit b = limits.admit(50_000);
    ScimException busy = catchThrowableOfType(ScimException.class, () -> limits.admit(100_000));
    assertThat(busy.status()).isEqualTo(503);
    assertThat(busy.getMessage()).contains("retry");
    // cheap evaluations never wait for a permit
    try (ScanLimits.Permit cheap = limits.admit(ScanLimits.FREE_CANDIDATES)) {
      assertThat(cheap).isNotNull();
    }
    a.close();
    limits.admit(100_000).close();
    b.close();
  }

  @Test
  void moreCandidatesThanTheLimit_isTooMany_beforeAnyPermit() {
    ScanLimits limits = new ScanLimits(10, 1);
    limits.admit(10).close();
    ScimException e = catchThrowableOfType(ScimException.class, () -> limits.admit(11));
    assertThat(e.status()).isEqualTo(400);
    assertThat(e.scimType()).isEqualTo(ScimType.TOO_MANY);
    assertThat(e.getMessage()).contains("11 resources").contains("10 this server examines");
  }
}
