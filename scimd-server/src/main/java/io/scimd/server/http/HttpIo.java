package io.scimd.server.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.scimd.core.error.ScimError;
import io.scimd.core.error.ScimException;
import io.scimd.core.resource.PooledJson;
import io.scimd.server.service.ScimErrors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.jspecify.annotations.Nullable;

/**
 * The byte-level half of the HTTP adapter: reads request bodies as JSON within the payload limit,
 * reads query parameters case-insensitively, and writes SCIM JSON responses and errors.
 *
 * <p>Duplicate keys in a request body are rejected (400 {@code invalidSyntax}): {@code
 * {"active":true,"active":false}} has no single meaning, and silently taking the last one would
 * store something the client may not have meant.
 */
public final class HttpIo {
  // RFC 7644 §8.1: UTF-8 is the only encoding, so the media type needs no charset parameter.
  static final String SCIM_JSON = "application/scim+json";

  /**
   * Jackson's parsing limits, explicit. SCIM bodies are shallow (a bulk operation's data, an
   * extension, a complex value and its sub-attributes are about 8 levels), so 64 levels leave room
   * for any real request while a body like {@code [[[[...} stops at once with a 400; numbers longer
   * than 100 characters are no SCIM value. Strings are bounded by {@code maxPayloadSize}.
   */
  static final int MAX_NESTING_DEPTH = 64;

  static final int MAX_NUMBER_LENGTH = 100;

  static final ObjectMapper MAPPER =
      JsonMapper.builder(
              PooledJson.factoryBuilder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder()
                          .maxNestingDepth(MAX_NESTING_DEPTH)
                          .maxNumberLength(MAX_NUMBER_LENGTH)
                          .build())
                  .build())
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
          .build();

  private HttpIo() {}

  /** Writes {@code body} (or nothing, when null) with {@code status} and {@code headers}. */
  static void write(
      Response response,
      Callback callback,
      int status,
      @Nullable JsonNode body,
      Map<String, String> headers) {
    response.setStatus(status);
    headers.forEach((name, value) -> response.getHeaders().put(name, value));
    if (body == null || status == 204 || status == 304) {
      callback.succeeded();
      return;
    }
    byte[] bytes;
    try {
      bytes = MAPPER.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, SCIM_JSON);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
    response.write(true, ByteBuffer.wrap(bytes), callback);
  }

  /** Writes a SCIM error body (RFC 7644 §3.12) with extra {@code headers}. */
  static void writeError(
      Response response, Callback callback, ScimError error, Map<String, String> headers) {
    write(response, callback, error.status(), ScimErrors.toJson(error), headers);
  }

  /** The most of a refused request's body {@link #refuse} reads to keep the connection usable. */
  static final int REFUSED_BODY_LIMIT = 64 * 1024;

  /**
   * Answers a request refused before anything read its body (401, another tenant's 404): its body
   * is settled first ({@link #settleBody}).
   */
  static void refuse(
      Request request,
      Response response,
      Callback callback,
      ScimError error,
      Map<String, String> headers) {
    settleBody(request, response);
    writeError(response, callback, error, headers);
  }

  /**
   * Before an error answer: a body left unread makes Jetty close the connection after an answer
   * that did not say so, and a client that sends its next request on it in the meantime sees a
   * broken pipe instead of an answer. So what is left of the body, up to {@link
   * #REFUSED_BODY_LIMIT} bytes, is read and discarded (nothing, when a handler already read it); a
   * larger body stays unread and the answer says {@code Connection: close}.
   */
  static void settleBody(Request request, Response response) {
    if (request.getLength() != 0 && !discard(request, REFUSED_BODY_LIMIT)) {
      response.getHeaders().put("Connection", "close");
    }
  }

  /** Reads and discards at most {@code limit} bytes of the body: true when that was all of it. */
  private static boolean discard(Request request, long limit) {
    try (InputStream in = Request.asInputStream(request)) {
      byte[] buf = new byte[8192];
      long left = limit;
      int n;
      while ((n = in.read(buf, 0, (int) Math.min(buf.length, Math.max(1, left)))) >= 0) {
        left -= n;
        if (left < 0) {
          return false;
        }
      }
      return true;
    } catch (IOException e) {
      return false; // the client went away
    }
  }

  /**
   * Reads the request body as one JSON value. 413 when it is (or turns out, for a chunked body, to
   * be) larger than {@code maxBytes}; 415 for a non-JSON content type; 400 {@code invalidSyntax}
   * when it is empty or not well-formed JSON, with the parser's line and column.
   */
  static JsonNode readJson(Request request, int maxBytes) {
    checkContentType(request);
    long declared = request.getLength();
    if (declared > maxBytes) {
      if (declared <= drainLimit(maxBytes)) {
        drain(request, drainLimit(maxBytes));
      }
      throw tooLarge(maxBytes);
    }
    byte[] bytes = readAtMost(request, maxBytes);
    if (bytes.length == 0) {
      throw ScimException.invalidSyntax("the request needs a JSON body");
    }
    JsonNode node;
    try {
      node = MAPPER.readTree(bytes);
    } catch (StreamConstraintsException e) {
      throw ScimException.invalidSyntax(
          "the body is too complex to read: " + limitMessage(e.getOriginalMessage()));
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where =
          at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
      throw ScimException.invalidSyntax(
          "the body is not valid JSON" + where + ": " + firstLine(e.getOriginalMessage()));
    } catch (IOException e) {
      throw ScimException.invalidSyntax("the body could not be read as JSON");
    }
    if (node == null || node.isMissingNode()) {
      throw ScimException.invalidSyntax("the request needs a JSON body");
    }
    return node;
  }

  /**
   * Jackson's "Document nesting depth (65) exceeds the maximum allowed (64, from
   * `StreamReadConstraints.getMaxNestingDepth()`)" without the name of its setting.
   */
  private static String limitMessage(@Nullable String message) {
    if (message == null) {
      return "it exceeds a parsing limit";
    }
    String m = message.replaceAll(",\\s*from\\s*`[^`]*`\\)", ")");
    return m.contains("`") || m.contains("com.fasterxml") ? "it exceeds a parsing limit" : m;
  }

  /** The parser's message, first line only and without Jackson's own class or feature names. */
  private static String firstLine(@Nullable String message) {
    if (message == null) {
      return "malformed JSON";
    }
    int nl = message.indexOf('\n');
    String line = nl < 0 ? message : message.substring(0, nl);
    line = line.replaceAll("\\s*\\([^()]*`[^()]*\\)", "");
    if (line.contains("Trailing token")) {
      return "more content follows the JSON value";
    }
    if (line.contains("com.fasterxml") || line.contains("`")) {
      return "malformed JSON";
    }
    return line;
  }

  private static ScimException tooLarge(int maxBytes) {
    return ScimException.payloadTooLarge(
        "the request body is larger than maxPayloadSize ("
            + maxBytes
            + " bytes, bulk.maxPayloadSize in /ServiceProviderConfig, for every request)");
  }

  /**
   * How much of a too-large body is read and discarded before the 413 is sent. A server that
   * answers and closes while the client is still sending makes the client's TCP stack see a reset,
   * and most clients then report a broken connection instead of the 413 (and an IdP retries
   * forever). Reading a bounded excess lets the answer arrive; a body declared larger than this is
   * answered at once without reading it (a client that sends {@code Expect: 100-continue} never
   * sends it at all).
   */
  static long drainLimit(int maxBytes) {
    return 4L * maxBytes;
  }

  private static void drain(Request request, long limit) {
    try (InputStream in = Request.asInputStream(request)) {
      drain(in, limit);
    } catch (IOException e) {
      // the client went away: nothing is left to answer
    }
  }

  private static void drain(InputStream in, long limit) throws IOException {
    byte[] buf = new byte[8192];
    long left = limit;
    int n;
    while (left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) >= 0) {
      left -= n;
    }
  }

  private static byte[] readAtMost(Request request, int maxBytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    try (InputStream in = Request.asInputStream(request)) {
      int n;
      while ((n = in.read(buf)) >= 0) {
        if (out.size() + n > maxBytes) {
          drain(in, drainLimit(maxBytes) - out.size() - n);
          throw tooLarge(maxBytes);
        }
        out.write(buf, 0, n);
      }
    } catch (IOException e) {
      throw ScimException.badRequest(
          "the request body could not be read: the connection broke off");
    }
    return out.toByteArray();
  }

  /**
   * RFC 7644 §3.1 and §8.1: the body is {@code application/scim+json}; {@code application/json}
   * (and other {@code +json} types) and a missing type are accepted too, anything else is 415.
   */
  private static void checkContentType(Request request) {
    String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
    if (type == null || type.isBlank()) {
      return;
    }
    int semi = type.indexOf(';');
    String media = (semi < 0 ? type : type.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    if (media.equals("application/json")
        || media.equals("application/scim+json")
        || media.equals("text/json")
        || (media.startsWith("application/") && media.endsWith("+json"))) {
      return;
    }
    throw ScimException.unsupportedMediaType(
        "Content-Type "
            + media
            + " is not supported: send application/scim+json or application/json");
  }

  /** The query parameters, names case-insensitive (first value wins); 400 on bad encoding. */
  static Map<String, String> query(Request request) {
    Fields fields;
    try {
      fields = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
    } catch (RuntimeException e) {
      throw ScimException.badRequest("the query string is not valid percent-encoded UTF-8");
    }
    Map<String, String> out = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (Fields.Field f : fields) {
      if (!out.containsKey(f.getName()) && !f.getValues().isEmpty()) {
        out.put(f.getName(), f.getValue());
      }
    }
    return out;
  }

  /**
   * A host name (letters, digits, {@code -} and {@code _} in dot-separated labels) or IPv4 address.
   */
  private static final Pattern HOST_NAME =
      Pattern.compile("[A-Za-z0-9_-]{1,63}(\\.[A-Za-z0-9_-]{1,63})*\\.?");

  /** An IPv6 address, in its brackets or without them. */
  private static final Pattern IPV6 =
      Pattern.compile("\\[[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*]|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

  /**
   * The absolute URL of the SCIM root as the client addressed it (RFC 7644 §3.1 {@code Location}):
   * the scheme, host and port of the request, which a trusted proxy's forwarding headers may have
   * set (the transport believes them from trusted proxies only). Whatever set them, the URL is
   * {@code http} or {@code https} on a host name or IP address: another scheme ({@code javascript})
   * becomes the connection's own, and a host that is no name or address (one with a {@code /} or
   * {@code @} in it) becomes the address the client connected to.
   */
  public static String base(Request request, String prefix) {
    HttpURI uri = request.getHttpURI();
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      scheme = request.getConnectionMetaData().isSecure() ? "https" : "http";
    }
    String host = uri.getHost();
    if (host == null || host.isBlank()) {
      host = Request.getServerName(request);
    }
    int port = uri.getPort() > 0 ? uri.getPort() : Request.getServerPort(request);
    if (host == null || !validHost(host)) {
      // An empty or malformed Host or X-Forwarded-Host names nothing: use the address connected to.
      host = Request.getLocalAddr(request);
      port = Request.getLocalPort(request);
    }
    if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
      host = "[" + host + "]";
    }
    boolean defaultPort =
        port <= 0
            || port > 65535
            || (scheme.equals("http") && port == 80)
            || (scheme.equals("https") && port == 443);
    return scheme + "://" + host + (defaultPort ? "" : ":" + port) + prefix;
  }

  private static boolean validHost(String host) {
    return host.length() <= 255
        && (HOST_NAME.matcher(host).matches() || IPV6.matcher(host).matches());
  }
}
