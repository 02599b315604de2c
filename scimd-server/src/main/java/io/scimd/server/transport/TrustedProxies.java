package io.scimd.server.transport;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.QuotedCSV;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.ForwardedRequestCustomizer;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.jspecify.annotations.Nullable;

/**
 * Believes {@code Forwarded} (RFC 7239) and {@code X-Forwarded-*} headers from the configured
 * proxies only. Anyone can send these headers; believed from anyone, they let a client choose the
 * scheme and host of every {@code Location} and {@code meta.location} the server writes, and the
 * address the change journal records for it. From a peer outside the trusted blocks the request is
 * left exactly as received; from a trusted one, Jetty's {@link ForwardedRequestCustomizer} applies
 * the scheme, host and port.
 *
 * <p>The client's address is not Jetty's left-most {@code for} entry, which the client itself can
 * write when a proxy appends to a header it sent: it is the right-most entry that is not a trusted
 * proxy, walking back from the peer through the chain of proxies that appended their own peer (when
 * every hop is trusted, the left-most one). An entry that is no IP address ({@code unknown}, an
 * obfuscated name) ends the walk at the hop that reported it.
 */
final class TrustedProxies implements HttpConfiguration.Customizer {
  private final List<Cidr> trusted;
  private final ForwardedRequestCustomizer forwarded = new ForwardedRequestCustomizer();

  TrustedProxies(List<Cidr> trusted) {
    this.trusted = List.copyOf(trusted);
  }

  @Override
  public Request customize(Request request, HttpFields.Mutable responseHeaders) {
    InetAddress peer = address(request.getConnectionMetaData().getRemoteSocketAddress());
    if (peer == null || !trusted(peer)) {
      return request;
    }
    Request customized = forwarded.customize(request, responseHeaders);
    if (customized == request) {
      return request; // no forwarding header
    }
    InetAddress client = client(request.getHeaders(), peer);
    int port =
        request.getConnectionMetaData().getRemoteSocketAddress() instanceof InetSocketAddress isa
            ? isa.getPort()
            : 0;
    InetSocketAddress remote = new InetSocketAddress(client, port);
    ConnectionMetaData metaData =
        new ConnectionMetaData.Wrapper(customized.getConnectionMetaData()) {
          @Override
          public SocketAddress getRemoteSocketAddress() {
            return remote;
          }
        };
    return new Request.Wrapper(customized) {
      @Override
      public ConnectionMetaData getConnectionMetaData() {
        return metaData;
      }
    };
  }

  boolean trusted(InetAddress address) {
    for (Cidr c : trusted) {
      if (c.contains(address)) {
        return true;
      }
    }
    return false;
  }

  /** The right-most address of the forwarding chain that is not a trusted proxy. */
  InetAddress client(HttpFields headers, InetAddress peer) {
    List<String> chain = chain(headers);
    InetAddress client = peer;
    for (int i = chain.size() - 1; i >= 0 && trusted(client); i--) {
      InetAddress hop = node(chain.get(i));
      if (hop == null) {
        break;
      }
      client = hop;
    }
    return client;
  }

  /**
   * The {@code for} nodes, left (the original client) to right (the last proxy's peer): of {@code
   * Forwarded} when present, which Jetty also prefers, else of {@code X-Forwarded-For}.
   */
  private static List<String> chain(HttpFields headers) {
    List<String> out = new ArrayList<>();
    List<String> rfc7239 = headers.getValuesList(HttpHeader.FORWARDED);
    if (!rfc7239.isEmpty()) {
      for (String element : new QuotedCSV(false, rfc7239.toArray(new String[0]))) {
        String node = "";
        for (String pair : element.split(";")) {
          int eq = pair.indexOf('=');
          if (eq > 0 && pair.substring(0, eq).strip().toLowerCase(Locale.ROOT).equals("for")) {
            node = unquote(pair.substring(eq + 1).strip());
          }
        }
        out.add(node);
      }
      return out;
    }
    for (String value : headers.getValuesList(HttpHeader.X_FORWARDED_FOR)) {
      for (String node : value.split(",")) {
        out.add(node.strip());
      }
    }
    return out;
  }

  /**
   * The address of an RFC 7239 §6 node ({@code 192.0.2.1}, {@code [2001:db8::1]:80}...), or null.
   */
  static @Nullable InetAddress node(String node) {
    String n = node;
    if (n.startsWith("[")) {
      int close = n.indexOf(']');
      if (close < 0) {
        return null;
      }
      n = n.substring(1, close);
    } else if (n.indexOf(':') >= 0 && n.indexOf(':') == n.lastIndexOf(':')) {
      n = n.substring(0, n.indexOf(':')); // IPv4 with a port
    }
    return Cidr.address(n);
  }

  private static String unquote(String s) {
    return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")
        ? s.substring(1, s.length() - 1)
        : s;
  }

  private static @Nullable InetAddress address(@Nullable SocketAddress socket) {
    return socket instanceof InetSocketAddress isa ? isa.getAddress() : null;
  }
}
