package io.scimd.sync.ssf;

/** The names SSF 1.0 and RFCs 8935/8936 give things, in one place. */
public final class Ssf {
  private Ssf() {}

  /** The delivery method of push streams (RFC 8935), and the target type that stores them. */
  public static final String PUSH = "urn:ietf:rfc:8935";

  /** The delivery method of poll streams (RFC 8936). */
  public static final String POLL = "urn:ietf:rfc:8936";

  /** The target type of push streams: the delivery workers serve it. */
  public static final String PUSH_TYPE = "ssf";

  /** The target type of poll streams: no worker leases it, the receiver's polls move it. */
  public static final String POLL_TYPE = "ssf-poll";

  /** SSF 1.0's verification event. */
  public static final String VERIFICATION =
      "https://schemas.openid.net/secevent/ssf/event-type/verification";

  /** The spec version a transmitter configuration names. */
  public static final String SPEC_VERSION = "1_0";

  /** The stream states of SSF 1.0. */
  public static final String ENABLED = "enabled";

  public static final String PAUSED = "paused";
  public static final String DISABLED = "disabled";
}
