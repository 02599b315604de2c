package io.scimd.client;

/** How a list is walked page by page. */
public enum Paging {
  /** {@code startIndex} and {@code count} (RFC 7644 §3.4.2.4): every server has it. */
  INDEX,
  /**
   * RFC 9865 cursors: the first request sends an empty {@code cursor}, each next one the previous
   * page's {@code nextCursor}. Stable under concurrent writes, where index paging may skip or
   * repeat a resource that moved.
   */
  CURSOR,
  /**
   * {@link #CURSOR} when the server's ServiceProviderConfig says {@code pagination.cursor: true},
   * else {@link #INDEX}; the config is read once per client.
   */
  AUTO
}
