package io.scimd.server.observe;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import net.logstash.logback.encoder.LogstashEncoder;
import org.slf4j.LoggerFactory;

/**
 * Applies {@code --log-format} and {@code --log-level} to Logback, configured by {@code
 * logback.xml} with one console appender on standard error: {@code plain} keeps its pattern, {@code
 * json} writes one JSON object per line (logstash-logback-encoder: the time, level, logger,
 * message, and each structured field of the access log as a key of its own), and the level is the
 * root logger's (libraries that are quieter by configuration stay so).
 */
public final class LogSetup {
  public static final Set<String> FORMATS = Set.of("plain", "json");
  public static final Set<String> LEVELS = Set.of("error", "warn", "info", "debug", "trace");

  private LogSetup() {}

  /**
   * @throws IllegalArgumentException naming the option and the values it takes
   */
  public static void apply(String format, String level) {
    String f = format.strip().toLowerCase(Locale.ROOT);
    String l = level.strip().toLowerCase(Locale.ROOT);
    if (!FORMATS.contains(f)) {
      throw new IllegalArgumentException(
          "--log-format: '" + format + "' is not a log format: use plain or json");
    }
    if (!LEVELS.contains(l)) {
      throw new IllegalArgumentException(
          "--log-level: '" + level + "' is not a log level: use error, warn, info, debug or trace");
    }
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return; // another SLF4J binding: it is configured its own way
    }
    ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(l, Level.INFO));
    for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
      if (it.next() instanceof OutputStreamAppender<ILoggingEvent> out) {
        Encoder<ILoggingEvent> now = out.getEncoder();
        boolean json = now instanceof LogstashEncoder;
        if (f.equals("json") == json) {
          continue;
        }
        Encoder<ILoggingEvent> next = f.equals("json") ? jsonEncoder(context) : plain(context);
        out.stop();
        out.setEncoder(next);
        out.start();
      }
    }
  }

  /** The JSON encoder of {@code --log-format json}. */
  public static LogstashEncoder jsonEncoder(LoggerContext context) {
    LogstashEncoder e = new LogstashEncoder();
    e.setContext(context);
    e.setIncludeContext(false);
    e.start();
    return e;
  }

  private static Encoder<ILoggingEvent> plain(LoggerContext context) {
    PatternLayoutEncoder e = new PatternLayoutEncoder();
    e.setContext(context);
    e.setPattern(PATTERN);
    e.start();
    return e;
  }

  /** The pattern of logback.xml's console appender. */
  static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n";
}
