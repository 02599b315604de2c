package io.scimd.store.jdbc;

import java.time.InstantSource;

/**
 * The store's write clock in epoch microseconds, strictly increasing: a tick at or behind the last
 * one is bumped by 1µs. Delta syncs page on {@code meta.lastModified gt T}; two writes in the same
 * instant, or a clock stepping back, must not hide a change behind T.
 */
final class MicroClock implements WriteClock {
  private final InstantSource source;
  private long last;

  MicroClock(InstantSource source, long last) {
    this.source = source;
    this.last = last;
  }

  @Override
  public synchronized long next() {
    long now = Docs.micros(source.instant());
    last = now > last ? now : last + 1;
    return last;
  }
}
