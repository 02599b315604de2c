package io.scimd.store;

/** The scope store tests read and write in: the default tenant, acting as the system. */
public final class TestScopes {
  public static final Scope SCOPE = Scope.system(Scope.DEFAULT_TENANT, "test");

  private TestScopes() {}
}
