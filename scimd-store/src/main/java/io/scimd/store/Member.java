package io.scimd.store;

import org.jspecify.annotations.Nullable;

/**
 * One member of a group: the member's id and its resource type ({@code User} or {@code Group}).
 * On input {@code type} may be null, and the store finds it from the id.
 */
public record Member(String value, @Nullable String type) {}
