package io.scimd.server.transport;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A block of IP addresses in CIDR notation (RFC 4632), such as {@code 10.0.0.0/8} or {@code
 * fd00::/8}; a bare address is a block of one. Only literal addresses are accepted, never a host
 * name: a name would be resolved once, at start, and silently go stale.
 *
 * @param network the first address of the block (host bits cleared)
 * @param prefix how many leading bits an address must share with {@code network}
 */
public record Cidr(InetAddress network, int prefix) {
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

  /**
   * @throws IllegalArgumentException when the prefix does not fit the address
   */
  public Cidr {
    int bits = network.getAddress().length * 8;
    if (prefix < 0 || prefix > bits) {
      throw new IllegalArgumentException(
          "a prefix of " + network.getHostAddress() + " is 0 to " + bits + ", not " + prefix);
    }
    network = masked(network, prefix);
  }

  /**
   * Parses {@code 192.168.0.0/16}, {@code 2001:db8::/32} or a single address.
   *
   * @throws IllegalArgumentException with a message for the operator when it is none of these
   */
  public static Cidr parse(String text) {
    String t = text.strip();
    int slash = t.indexOf('/');
    String address = slash < 0 ? t : t.substring(0, slash);
    if (address.startsWith("[") && address.endsWith("]")) {
      address = address.substring(1, address.length() - 1);
    }
    InetAddress network = literal(address, text);
    int bits = network.getAddress().length * 8;
    int prefix = bits;
    if (slash >= 0) {
      String p = t.substring(slash + 1);
      if (!p.matches("\\d{1,3}")) {
        throw invalid(text);
      }
      prefix = Integer.parseInt(p);
      if (prefix > bits) {
        throw invalid(text);
      }
    }
    return new Cidr(network, prefix);
  }

  /** Whether {@code address} lies in this block (an IPv4 address is never in an IPv6 block). */
  public boolean contains(InetAddress address) {
    if (address.getAddress().length != network.getAddress().length) {
      return false;
    }
    return masked(address, prefix).equals(network);
  }

  @Override
  public String toString() {
    return network.getHostAddress() + "/" + prefix;
  }

  /** {@code text} as a literal IPv4 or IPv6 address (no brackets, no zone), or null. */
  static @Nullable InetAddress address(String text) {
    try {
      return literal(text, text);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static InetAddress literal(String address, String text) {
    try {
      if (IPV4.matcher(address).matches()) {
        String[] parts = address.split("\\.");
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
          int octet = Integer.parseInt(parts[i]);
          if (octet > 255) {
            throw invalid(text);
          }
          bytes[i] = (byte) octet;
        }
        return InetAddress.getByAddress(bytes);
      }
      if (IPV6.matcher(address).matches()) {
        // With a ':' in it, getByName parses an IPv6 literal and never asks DNS.
        return InetAddress.getByName(address);
      }
    } catch (UnknownHostException e) {
      throw invalid(text);
    }
    throw invalid(text);
  }

  private static InetAddress masked(InetAddress address, int prefix) {
    byte[] bytes = address.getAddress();
    for (int i = 0; i < bytes.length; i++) {
      int keep = Math.max(0, Math.min(8, prefix - i * 8));
      bytes[i] &= (byte) (0xFF << (8 - keep));
    }
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("an address of " + bytes.length + " bytes", e);
    }
  }

  private static IllegalArgumentException invalid(String text) {
    return new IllegalArgumentException(
        "'"
            + text
            + "' is not an IP address or CIDR block: give e.g. 10.0.0.0/8, 192.0.2.7 or fd00::/8");
  }
}
