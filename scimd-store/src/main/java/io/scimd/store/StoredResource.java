package io.scimd.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.resource.Meta;

/**
 * A resource as the store holds it: its id, its meta and its attributes in canonical form. {@code
 * attributes} never holds {@code id} or {@code meta}; it holds a group's {@code members} and a
 * user's {@code groups} only when the read asked for them ({@link Load}).
 */
public record StoredResource(String id, Meta meta, ObjectNode attributes) {}
