/**
 * scimd's SCIM core: schema registry, resource JSON, filters, attribute paths, PATCH, projection
 * and validation, with no framework but Jackson, and ICU4J for comparing identifiers
 * (docs/decisions/0013-identifier-keys.md). Every package is exported because store, server and
 * bench each use one of its public types; what is internal to a package is package-private.
 */
module io.scimd.core {
  // JsonNode and ObjectNode are in the API: a user of the core needs Jackson's tree model too.
  requires transitive com.fasterxml.jackson.databind;
  // @Nullable on the API; the annotations are not needed at run time.
  requires static transitive org.jspecify;
  // Normalisation, case folding and character properties for identifier keys (Precis); not in the
  // API.
  requires com.ibm.icu;

  exports io.scimd.core.error;
  exports io.scimd.core.filter;
  exports io.scimd.core.patch;
  exports io.scimd.core.path;
  exports io.scimd.core.resource;
  exports io.scimd.core.schema;
}
