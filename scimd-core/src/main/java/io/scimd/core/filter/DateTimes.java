package io.scimd.core.filter;

import java.time.LocalDate;
import org.jspecify.annotations.Nullable;

/**
 * Reads the {@code dateTime} values of RFC 7643 §2.3.5 (xsd:dateTime, e.g. {@code
 * 2011-05-13T04:42:34.123456Z} or {@code 2011-05-13T06:42:34+02:00}) into an instant, so that
 * filters order them chronologically, not as text.
 *
 * <p>Hand-written for the evaluator's hot path: no regular expression, no exception on a bad value
 * (it answers null). Accepted: an optional {@code -} sign, a year of 4 to 9 digits, seconds
 * required, a fraction of any length (digits past the ninth, below a nanosecond, are dropped), and a
 * zone of {@code Z}, {@code +hh:mm}, {@code -hh:mm} or {@code +hhmm}. A value without a zone is read
 * as UTC (xsd leaves it undetermined; SCIM servers emit UTC). {@code T} and {@code Z} may be lower
 * case (RFC 3339 §5.6).
 */
final class DateTimes {
  private DateTimes() {}

  /** An instant as seconds since the epoch plus nanoseconds, ordered chronologically. */
  record Stamp(long seconds, int nanos) implements Comparable<Stamp> {
    @Override
    public int compareTo(Stamp o) {
      int c = Long.compare(seconds, o.seconds);
      return c != 0 ? c : Integer.compare(nanos, o.nanos);
    }
  }

  /** The instant {@code s} denotes, or null when it is not a valid dateTime. */
  static @Nullable Stamp parse(String s) {
    int n = s.length();
    int i = 0;
    boolean negativeYear = false;
    if (i < n && s.charAt(i) == '-') {
      negativeYear = true;
      i++;
    }
    int yearStart = i;
    long year = 0;
    while (i < n && isDigit(s.charAt(i))) {
      year = year * 10 + (s.charAt(i) - '0');
      i++;
      if (i - yearStart > 9) {
        return null;
      }
    }
    if (i - yearStart < 4) {
      return null;
    }
    if (negativeYear) {
      year = -year;
    }
    if (!at(s, i, '-')) {
      return null;
    }
    int month = twoDigits(s, i + 1);
    if (month < 1 || month > 12 || !at(s, i + 3, '-')) {
      return null;
    }
    int day = twoDigits(s, i + 4);
    if (day < 1 || day > daysIn(year, month)) {
      return null;
    }
    i += 6;
    if (i >= n || (s.charAt(i) != 'T' && s.charAt(i) != 't')) {
      return null;
    }
    int hour = twoDigits(s, i + 1);
    int minute = at(s, i + 3, ':') ? twoDigits(s, i + 4) : -1;
    int second = at(s, i + 6, ':') ? twoDigits(s, i + 7) : -1;
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
      return null;
    }
    i += 9;
    int nanos = 0;
    if (at(s, i, '.')) {
      i++;
      int fracStart = i;
      int scale = 100_000_000;
      while (i < n && isDigit(s.charAt(i))) {
        nanos += (s.charAt(i) - '0') * scale;
        scale /= 10;
        i++;
      }
      if (i == fracStart) {
        return null;
      }
    }
    int offset = 0;
    if (i < n) {
      char z = s.charAt(i);
      if (z == 'Z' || z == 'z') {
        i++;
      } else if (z == '+' || z == '-') {
        int oh = twoDigits(s, i + 1);
        int om;
        if (at(s, i + 3, ':')) {
          om = twoDigits(s, i + 4);
          i += 6;
        } else {
          om = twoDigits(s, i + 3);
          i += 5;
        }
        if (oh < 0 || oh > 18 || om < 0 || om > 59) {
          return null;
        }
        offset = (z == '-' ? -1 : 1) * (oh * 3600 + om * 60);
      } else {
        return null;
      }
      if (i != n) {
        return null;
      }
    }
    long epochDay = LocalDate.of((int) year, month, day).toEpochDay();
    long seconds = epochDay * 86_400 + hour * 3600L + minute * 60L + second - offset;
    return new Stamp(seconds, nanos);
  }

  private static boolean at(String s, int i, char c) {
    return i < s.length() && s.charAt(i) == c;
  }

  /** The two-digit number at {@code i}, or -1. */
  private static int twoDigits(String s, int i) {
    if (i + 1 >= s.length() || !isDigit(s.charAt(i)) || !isDigit(s.charAt(i + 1))) {
      return -1;
    }
    return (s.charAt(i) - '0') * 10 + (s.charAt(i + 1) - '0');
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static int daysIn(long year, int month) {
    return switch (month) {
      case 2 -> (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
      case 4, 6, 9, 11 -> 30;
      default -> 31;
    };
  }
}
