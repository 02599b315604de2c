package io.scimd.core.patch;

import com.fasterxml.jackson.databind.JsonNode;
import org.jspecify.annotations.Nullable;

/** One entry of a PatchOp request's {@code Operations}. */
public record PatchOperation(PatchOpType op, @Nullable PatchPath path, @Nullable JsonNode value) {}
