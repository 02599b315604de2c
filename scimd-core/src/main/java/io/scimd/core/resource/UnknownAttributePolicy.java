package io.scimd.core.resource;

/**
 * What to do with an attribute no schema of the resource type defines. Never store it under a wrong
 * name: either reject the request or drop the attribute.
 */
public enum UnknownAttributePolicy {
  /** 400 {@code invalidValue} naming the attribute. The default. */
  REJECT,
  /** Drop it silently and go on (some IdPs send attributes the app does not model). */
  IGNORE
}
