package io.scimd.core.schema;

import java.time.Instant;
import java.time.LocalDate;
import org.jspecify.annotations.Nullable;

/**
 * Reads the {@code dateTime} values of RFC 7643 §2.3.5 (xsd:dateTime, e.g. {@code
 * 2011-05-13T04:42:34.123456Z} or {@code 2011-05-13T06:42:34+02:00}) into an instant: the one
 * reader behind {@link Values#dateTime}, so that what the validator accepts is exactly what filters
 * and the store can order chronologically.
 *
 * <p>Hand-written for the filter evaluator's hot path: no regular expression, no exception on a bad
 * value (it answers null). Accepted: an optional {@code -} sign, a year of 4 to 9 digits, seconds
 * required, a fraction of any length (digits past the ninth, below a nanosecond, are dropped), and
 * a zone of {@code Z}, {@code +hh:mm} or {@code -hh:mm} (not {@code +hhmm}, which neither xsd nor
 * RFC 3339 allows). A value without a zone is read as UTC (xsd leaves it undetermined; SCIM servers
 * emit UTC). {@code T} and {@code Z} may be lower case (RFC 3339 §5.6).
 */
final class DateTimes {
  private DateTimes() {}

  /** The instant {@code s} denotes, or null when it is not a valid dateTime. */
  static @Nullable Instant parse(String s) {
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
        int om = at(s, i + 3, ':') ? twoDigits(s, i + 4) : -1;
        i += 6;
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
    // Within Instant's range: a year of at most 9 digits, and an offset of at most 18 hours.
    return Instant.ofEpochSecond(seconds, nanos);
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
