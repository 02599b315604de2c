package io.scimd.server;

/** The {@code scimd} command line. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    throw new UnsupportedOperationException("TODO: CLI");
  }
}
