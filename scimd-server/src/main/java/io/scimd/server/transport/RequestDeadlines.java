package io.scimd.server.transport;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLEngine;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deadlines for receiving a request, which Jetty's idle timeout alone does not give: a client that
 * sends one byte of its headers every few seconds is never idle, and would hold its connection for
 * hours (the headers may be 8 KiB). Every open connection is looked at a few times a second and
 * closed when
 *
 * <ul>
 *   <li>its TLS handshake is not done within the header deadline of its opening;
 *   <li>a request's line and headers are not complete within the header deadline of their first
 *       byte, or bytes that start no request (blank lines before one) keep arriving for as long;
 *   <li>a request's body is not complete within the body deadline of the end of its headers.
 * </ul>
 *
 * <p>Where a request stands is read from the connection's {@link HttpParser} (its state is
 * volatile, and the time its message began is written before that state changes). Jetty 12 keeps
 * {@link HttpConnection} in an {@code internal} package; it is public, and nothing else tells how
 * far the parsing of a request has come. A connection waiting for its next request without
 * receiving anything is the idle timeout's to close.
 *
 * <p>A handler that reads a body it was sent late, or never, keeps the parser in its content state:
 * the body deadline then closes the connection under it. Every handler here reads its body first.
 */
final class RequestDeadlines extends AbstractLifeCycle
    implements Connection.Listener, SslHandshakeListener {
  private static final Logger LOG = LoggerFactory.getLogger(RequestDeadlines.class);

  private final Connector connector;
  private final long headerNanos;
  private final long bodyNanos;
  private final long sweepMillis;
  private final Map<HttpConnection, Watch> requests = new ConcurrentHashMap<>();
  private final Map<SSLEngine, Handshake> handshakes = new ConcurrentHashMap<>();
  private volatile Scheduler.@Nullable Task task;

  RequestDeadlines(Connector connector, Duration header, Duration body) {
    this.connector = connector;
    this.headerNanos = header.toNanos();
    this.bodyNanos = body.toNanos();
    // Late by at most a quarter of the shorter deadline, and never looking more than 20 times a
    // second.
    this.sweepMillis = Math.clamp(Math.min(header.toMillis(), body.toMillis()) / 4, 50, 1000);
  }

  @Override
  protected void doStart() throws Exception {
    super.doStart();
    schedule();
  }

  @Override
  protected void doStop() throws Exception {
    Scheduler.Task t = task;
    if (t != null) {
      t.cancel();
    }
    requests.clear();
    handshakes.clear();
    super.doStop();
  }

  @Override
  public void onOpened(Connection connection) {
    long now = System.nanoTime();
    if (connection instanceof HttpConnection http) {
      requests.put(http, new Watch());
    } else if (connection instanceof SslConnection ssl) {
      handshakes.put(ssl.getSSLEngine(), new Handshake(ssl, now));
    }
  }

  @Override
  public void onClosed(Connection connection) {
    if (connection instanceof HttpConnection http) {
      requests.remove(http);
    } else if (connection instanceof SslConnection ssl) {
      handshakes.remove(ssl.getSSLEngine());
    }
  }

  @Override
  public void handshakeSucceeded(SslHandshakeListener.Event event) {
    handshakes.remove(event.getSSLEngine());
  }

  @Override
  public void handshakeFailed(SslHandshakeListener.Event event, Throwable failure) {
    handshakes.remove(event.getSSLEngine());
  }

  private void schedule() {
    if (isRunning() || isStarting()) {
      task = connector.getScheduler().schedule(this::sweep, sweepMillis, TimeUnit.MILLISECONDS);
    }
  }

  private void sweep() {
    try {
      long now = System.nanoTime();
      handshakes.forEach(
          (engine, h) -> {
            if (now - h.opened() > headerNanos) {
              handshakes.remove(engine);
              close(h.connection(), "the TLS handshake was not done within " + millis(headerNanos));
            }
          });
      requests.forEach((connection, watch) -> check(connection, watch, now));
    } catch (RuntimeException e) {
      LOG.warn("checking request deadlines failed", e);
    } finally {
      schedule();
    }
  }

  /** Closes {@code c} when its current request is late; {@code w} is touched by this sweep only. */
  private void check(HttpConnection c, Watch w, long now) {
    HttpParser parser = c.getParser();
    HttpParser.State state = parser.getState();
    if (state == HttpParser.State.START) {
      // Between requests. Bytes that arrive and start no request are padding (RFC 9112 §2.2).
      long messages = c.getMessagesIn();
      long bytes = c.getBytesIn();
      if (w.messages != messages) {
        w.messages = messages;
        w.startBytes = bytes;
        w.paddingSince = 0;
      } else if (bytes > w.startBytes) {
        if (w.paddingSince == 0) {
          w.paddingSince = now;
        } else if (now - w.paddingSince > headerNanos) {
          close(c, "bytes that start no request kept arriving for " + millis(headerNanos));
        }
      }
      return;
    }
    w.messages = -1;
    if (state.ordinal() < HttpParser.State.CONTENT.ordinal()) {
      if (now - parser.getBeginNanoTime() > headerNanos) {
        close(c, "the request headers did not arrive within " + millis(headerNanos));
      }
    } else if (state.ordinal() < HttpParser.State.END.ordinal()) {
      long begin = parser.getBeginNanoTime();
      if (w.bodyOf != begin) {
        w.bodyOf = begin;
        w.bodySince = now;
      } else if (now - w.bodySince > bodyNanos) {
        close(c, "the request body did not arrive within " + millis(bodyNanos));
      }
    }
  }

  private static void close(Connection c, String why) {
    LOG.debug("closing the connection from {}: {}", c.getEndPoint().getRemoteSocketAddress(), why);
    c.getEndPoint().close(new TimeoutException(why));
  }

  private static String millis(long nanos) {
    return Duration.ofNanos(nanos).toMillis() + "ms";
  }

  /** A TLS connection whose handshake has not yet succeeded, and since when it is open. */
  private record Handshake(SslConnection connection, long opened) {}

  /** What the sweeps have seen of one connection's current request. */
  private static final class Watch {
    /** The request count when the parser was last seen between requests; -1 while in one. */
    long messages = -1;

    /** Bytes received when that was first seen. */
    long startBytes;

    /** When padding was first seen arriving between requests, or 0. */
    long paddingSince;

    /** The begin time of the message whose body is being watched. */
    long bodyOf;

    /** When that body was first seen being received. */
    long bodySince;
  }
}
