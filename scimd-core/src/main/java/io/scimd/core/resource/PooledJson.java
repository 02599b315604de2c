package io.scimd.core.resource;

import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Jackson set up for virtual threads: its parsers and generators take their buffers from one pool
 * shared by every thread, rather than from a pool per thread.
 *
 * <p>Jackson 2 keeps its buffers (some 16 KB for each parser or generator) in a thread-local pool
 * by default. scimd serves each request, and sends each delivery, on a virtual thread of its own,
 * which finds its pool empty: every JSON read or write allocated its buffers afresh. Measured under
 * the hub's load run, that was most of what the server allocated per write, and so most of its
 * collections (docs/benchmarks.md). The shared pool is bounded: it keeps at most 100 sets of
 * buffers (each as large as the largest document it served), held for good where the per-thread
 * pool held them softly; a few megabytes at most, for a third fewer collections.
 */
public final class PooledJson {
  private PooledJson() {}

  /** A factory builder whose parsers and generators use the shared pool. */
  public static JsonFactoryBuilder factoryBuilder() {
    JsonFactoryBuilder b = new JsonFactoryBuilder();
    b.recyclerPool(JsonRecyclerPools.sharedBoundedPool());
    return b;
  }

  /** A mapper with Jackson's defaults but the shared pool. */
  public static ObjectMapper mapper() {
    return new ObjectMapper(factoryBuilder().build());
  }
}
