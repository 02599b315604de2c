package io.scimd.core.schema;

/** An extension schema attached to a resource type (RFC 7643 §6, {@code schemaExtensions}). */
public record SchemaExtension(Schema schema, boolean required) {}
