package io.scimd.server.http;

import com.fasterxml.jackson.core.JsonGenerator;
import io.scimd.server.service.JsonBody;
import io.scimd.server.service.Responder;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Responder} that writes to the client as the body is produced. A body that fits in
 * {@value #BUFFERED} bytes (nearly all of them) is sent whole with its {@code Content-Length}, as
 * {@link HttpIo#write} sends one; a larger one is sent chunked as it comes, so that the server
 * holds at most that much of it, however large the group or page.
 */
final class StreamedResponse implements Responder {
  static final int BUFFERED = 64 * 1024;

  private final Response response;
  private final Callback callback;

  StreamedResponse(Response response, Callback callback) {
    this.response = response;
    this.callback = callback;
  }

  @Override
  public void respond(int status, Map<String, String> headers, @Nullable JsonBody body) {
    response.setStatus(status);
    headers.forEach((name, value) -> response.getHeaders().put(name, value));
    if (body == null || status == 204 || status == 304) {
      callback.succeeded();
      return;
    }
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, HttpIo.SCIM_JSON);
    Spilling sink = new Spilling();
    try (JsonGenerator g = HttpIo.MAPPER.createGenerator(sink)) {
      body.writeTo(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    sink.finish();
  }

  /** Holds the first {@value #BUFFERED} bytes; beyond them, sends everything as it comes. */
  private final class Spilling extends OutputStream {
    private byte[] buffer = new byte[8 * 1024];
    private int size;
    private @Nullable OutputStream through;

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (through == null && size + len <= BUFFERED) {
        if (size + len > buffer.length) {
          buffer =
              Arrays.copyOf(buffer, Math.min(BUFFERED, Math.max(size + len, buffer.length * 2)));
        }
        System.arraycopy(b, off, buffer, size, len);
        size += len;
        return;
      }
      OutputStream out = through;
      if (out == null) {
        // Too large to hold: the headers go now, without a length, and the body follows chunked.
        out = Content.Sink.asOutputStream(response);
        through = out;
        out.write(buffer, 0, size);
        buffer = new byte[0];
      }
      out.write(b, off, len);
    }

    /** The generator closes its target when done; the response ends in {@link #finish}. */
    @Override
    public void close() {}

    void finish() {
      OutputStream out = through;
      if (out == null) {
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, size);
        response.write(true, ByteBuffer.wrap(buffer, 0, size), callback);
        return;
      }
      try {
        out.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      callback.succeeded();
    }
  }
}
