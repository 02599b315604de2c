package io.scimd.core.resource;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.RecyclerPool;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class PooledJsonTest {

  /** What a request's virtual thread gets from the pool, given back when it is done. */
  private static BufferRecycler usedOnANewVirtualThread(RecyclerPool<BufferRecycler> pool)
      throws InterruptedException {
    AtomicReference<BufferRecycler> used = new AtomicReference<>();
    Thread.ofVirtual()
        .start(
            () -> {
              BufferRecycler r = pool.acquireAndLinkPooled();
              used.set(r);
              r.releaseToPool();
            })
        .join();
    return used.get();
  }

  @Test
  void theNextVirtualThread_reusesTheBuffersOfTheOneBefore() throws InterruptedException {
    RecyclerPool<BufferRecycler> pool = PooledJson.mapper().getFactory()._getRecyclerPool();

    // Jackson's default pool is per thread: each request's new virtual thread found it empty.
    assertThat(usedOnANewVirtualThread(pool)).isSameAs(usedOnANewVirtualThread(pool));
  }

  @Test
  void readsAndWritesAsJacksonsDefaultsDo() throws Exception {
    String text = "{\"userName\":\"bjensen\",\"emails\":[{\"value\":\"b@example.com\"}],\"n\":1.5}";
    JsonNode read = PooledJson.mapper().readTree(text);

    assertThat(PooledJson.mapper().writeValueAsString(read)).isEqualTo(text);
  }
}
