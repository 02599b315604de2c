package io.scimd.server;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.scimd.core.schema.EditDistance;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Where each setting of a command comes from, first found first: its flag ({@code --port 8081});
 * its environment variable ({@code SCIMD_PORT}), or for a secret the file its {@code _FILE}
 * variable names ({@code SCIMD_DB_FILE}); its key in the configuration file ({@code --config} or
 * {@code SCIMD_CONFIG}), which is the flag's name without the dashes ({@code port: 8081}), or for a
 * secret {@code KEY_file: PATH}; else the option's own default.
 *
 * <p>It is picocli's default value provider: picocli asks it, after parsing, for each option the
 * command line did not give, so a {@code --config} on the command line is known by then. A setting
 * is an option that has an environment variable ({@link Main#variable}); other options (a command's
 * own arguments, such as {@code --tenant}) come from the command line only. Because picocli only
 * says which option a bad value was for, this class remembers where each value it handed out came
 * from, so that a wrong {@code SCIMD_PORT} or {@code port:} is reported as such, not as {@code
 * --port}, which the user never typed ({@link #handle}, {@link #explain}).
 */
final class Settings implements CommandLine.IDefaultValueProvider {
  /** The variable naming the configuration file when {@code --config} is not given. */
  static final String CONFIG_VARIABLE = "SCIMD_CONFIG";

  /**
   * The settings whose values are secrets (a database URL may hold a password): besides their own
   * variable and key, they are read from the file that {@code NAME_FILE} or {@code key_file} names,
   * as container and systemd secrets are mounted. Key files (the audit, hub and TLS keys) are
   * already files and named by path.
   */
  static final Set<String> SECRETS = Set.of("db", "bootstrap-token", "console-oidc-client-secret");

  /** Settings no flag sets, by key: a secret on a command line shows in every process listing. */
  static final Map<String, String> WITHOUT_FLAG =
      Map.of(
          "bootstrap-token",
          "SCIMD_BOOTSTRAP_TOKEN",
          "console-oidc-client-secret",
          "SCIMD_CONSOLE_OIDC_CLIENT_SECRET");

  /** What the suffix of a secret's file variable, and of its key, is. */
  private static final String FILE_VARIABLE = "_FILE";

  private static final String FILE_KEY = "_file";
  private static final Pattern OPTION = Pattern.compile("--[a-z][a-z0-9-]*");
  private static final Pattern PICOCLI_PREFIX =
      Pattern.compile("^Invalid value for option '[^']+': ");

  /** Where a value came from, for messages, and the value (to know a bad value as this one). */
  record Origin(String label, String value) {}

  /** A setting's value and where it came from. */
  record Value(String text, String label) {}

  /** A configuration that cannot be used: said as is, exit code {@link Main#EXIT_CONFIG}. */
  static final class Invalid extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    Invalid(String message) {
      super(message);
    }
  }

  private final Map<String, String> env;
  private final Set<String> keys = new TreeSet<>();
  private final IdentityHashMap<ArgSpec, Origin> origins = new IdentityHashMap<>();
  private @Nullable Path loadedPath;
  private Map<String, JsonNode> loaded = Map.of();

  private Settings(Map<String, String> env) {
    this.env = env;
  }

  /**
   * The settings of {@code root}'s commands, read from {@code env} and the configuration file; it
   * becomes {@code root}'s default value provider and parameter exception handler.
   */
  static Settings install(CommandLine root, Map<String, String> env) {
    Settings s = new Settings(env);
    s.collectKeys(root);
    s.keys.addAll(WITHOUT_FLAG.keySet());
    for (String secret : SECRETS) {
      s.keys.add(secret + FILE_KEY);
    }
    root.setDefaultValueProvider(s);
    root.setParameterExceptionHandler(s::handle);
    return s;
  }

  private void collectKeys(CommandLine cl) {
    for (OptionSpec o : cl.getCommandSpec().options()) {
      if (Main.variable(o.longestName()) != null) {
        keys.add(key(o.longestName()));
      }
    }
    cl.getSubcommands().values().forEach(this::collectKeys);
  }

  /** Every key a configuration file may hold, sorted. */
  Set<String> keys() {
    return keys;
  }

  private static String key(String option) {
    return option.substring(2);
  }

  @Override
  public @Nullable String defaultValue(ArgSpec arg) {
    if (!(arg instanceof OptionSpec o)) {
      return null;
    }
    String name = o.longestName();
    if (name.equals("--config")) {
      return env.get(CONFIG_VARIABLE);
    }
    String variable = Main.variable(name);
    if (variable == null) {
      return null;
    }
    Value v = value(key(name), variable, configFile(o.command()));
    if (v == null) {
      return null;
    }
    origins.put(o, new Origin(v.label(), v.text()));
    return v.text();
  }

  /**
   * The value of {@code key}, a setting no flag sets ({@link #WITHOUT_FLAG}), for the command
   * {@code spec}, or null when it is not set.
   *
   * @throws Invalid when it is set in two ways at once, or its file cannot be read
   */
  @Nullable Value withoutFlag(String key, CommandSpec spec) {
    String variable = WITHOUT_FLAG.get(key);
    if (variable == null) {
      throw new IllegalArgumentException("not a setting without a flag: " + key);
    }
    return value(key, variable, configFile(spec));
  }

  /** The configuration file {@code command} reads: its {@code --config}, else the variable's. */
  private @Nullable Path configFile(@Nullable CommandSpec command) {
    OptionSpec option = command == null ? null : command.findOption("--config");
    Object given = option == null ? null : option.getValue();
    if (given instanceof Path p) {
      return p;
    }
    String fromEnv = env.get(CONFIG_VARIABLE);
    return fromEnv == null || fromEnv.isBlank() ? null : Path.of(fromEnv);
  }

  private @Nullable Value value(String key, String variable, @Nullable Path file) {
    boolean secret = SECRETS.contains(key);
    String direct = env.get(variable);
    String fileVariable = variable + FILE_VARIABLE;
    String indirect = secret ? env.get(fileVariable) : null;
    if (direct != null && indirect != null) {
      throw new Invalid("set " + variable + " or " + fileVariable + ", not both");
    }
    if (direct != null) {
      return new Value(direct, variable);
    }
    if (indirect != null) {
      return new Value(
          readSecret(Path.of(indirect), fileVariable), fileVariable + " (" + indirect + ")");
    }
    if (file == null) {
      return null;
    }
    Map<String, JsonNode> values = load(file);
    JsonNode plain = values.get(key);
    JsonNode fromFile = secret ? values.get(key + FILE_KEY) : null;
    if (plain != null && fromFile != null) {
      throw new Invalid(
          file + ": give " + key + " or " + key + FILE_KEY + ", not both (" + key + FILE_KEY + ")");
    }
    String label = key + " in " + file;
    if (fromFile != null) {
      String path = scalar(fromFile, key + FILE_KEY, file);
      return new Value(
          readSecret(Path.of(path), key + FILE_KEY + " in " + file),
          key + FILE_KEY + " in " + file + " (" + path + ")");
    }
    return plain == null ? null : new Value(scalar(plain, key, file), label);
  }

  /** A scalar's text; a list's items joined by commas (the options that repeat split on them). */
  private static String scalar(JsonNode node, String key, Path file) {
    if (node.isArray()) {
      List<String> items = new ArrayList<>();
      for (JsonNode item : node) {
        if (!item.isValueNode()) {
          throw new Invalid(key + " in " + file + ": give a value or a list of values");
        }
        items.add(item.asText());
      }
      return String.join(",", items);
    }
    if (!node.isValueNode()) {
      throw new Invalid(key + " in " + file + ": give a value, not a mapping");
    }
    return node.asText();
  }

  /** A secret's file: its content without the line break editors and {@code echo} add. */
  private static String readSecret(Path file, String what) {
    try {
      String s = Files.readString(file);
      return s.strip();
    } catch (NoSuchFileException e) {
      throw new Invalid(what + ": no file " + file);
    } catch (IOException e) {
      throw new Invalid(what + ": cannot read " + file + ": " + e.getMessage());
    }
  }

  /**
   * The keys of the configuration file with their values; each key must be a known one.
   *
   * @throws Invalid naming the file, and the line and column of a syntax error or the nearest known
   *     key to an unknown one
   */
  private Map<String, JsonNode> load(Path file) {
    if (file.equals(loadedPath)) {
      return loaded;
    }
    YAMLMapper yaml =
        YAMLMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();
    JsonNode root;
    try {
      root = yaml.readTree(file.toFile());
    } catch (JsonProcessingException e) {
      if (e.getCause() instanceof MarkedYAMLException m && m.getProblemMark() != null) {
        // SnakeYAML's own message quotes the text around the problem over several lines
        Mark at = m.getProblemMark();
        throw new Invalid(
            "the configuration file "
                + file
                + " line "
                + (at.getLine() + 1)
                + ", column "
                + (at.getColumn() + 1)
                + ": "
                + m.getProblem()
                + (m.getContext() == null ? "" : " (" + m.getContext() + ")"));
      }
      JsonLocation at = e.getLocation();
      throw new Invalid(
          "the configuration file "
              + file
              + (at == null ? "" : " line " + at.getLineNr() + ", column " + at.getColumnNr())
              + ": "
              + Main.oneLine(e.getOriginalMessage()));
    } catch (IOException e) {
      throw new Invalid(
          "cannot read the configuration file "
              + file
              + (e instanceof java.io.FileNotFoundException || !Files.exists(file)
                  ? ": no such file"
                  : ": " + e.getMessage()));
    }
    Map<String, JsonNode> values = new LinkedHashMap<>();
    if (root != null && !root.isMissingNode() && !root.isNull()) {
      if (!root.isObject()) {
        throw new Invalid(
            "the configuration file " + file + " must be a mapping of keys to values (port: 8080)");
      }
      for (Map.Entry<String, JsonNode> e : root.properties()) {
        if (!keys.contains(e.getKey())) {
          throw new Invalid(
              "the configuration file "
                  + file
                  + " has an unknown key '"
                  + e.getKey()
                  + "'"
                  + nearest(e.getKey()).map(k -> " (did you mean '" + k + "'?)").orElse(""));
        }
        if (!e.getValue().isNull()) { // "key:" with nothing after it leaves the setting unset
          values.put(e.getKey(), e.getValue());
        }
      }
    }
    loadedPath = file;
    loaded = values;
    return values;
  }

  /** The known key closest to {@code key}, if any is close enough to be what was meant. */
  private Optional<String> nearest(String key) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    String k = key.toLowerCase(Locale.ROOT).replace('_', '-');
    for (String known : keys) {
      int d = EditDistance.levenshtein(k, known);
      if (d < bestDistance) {
        best = known;
        bestDistance = d;
      }
    }
    return best != null && bestDistance <= Math.max(2, key.length() / 3)
        ? Optional.of(best)
        : Optional.empty();
  }

  /**
   * {@code message} with each option it names that the command line did not give replaced by where
   * its value came from: {@code SCIMD_RATE_LIMIT} or {@code rate-limit in /etc/scimd.yaml}.
   */
  String explain(CommandSpec spec, String message) {
    CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
    Matcher m = OPTION.matcher(message);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      OptionSpec o = spec.findOption(m.group());
      Origin origin = o == null ? null : origins.get(o);
      boolean typed = parsed != null && o != null && parsed.hasMatchedOption(o);
      m.appendReplacement(
          out, Matcher.quoteReplacement(origin == null || typed ? m.group() : origin.label()));
    }
    m.appendTail(out);
    return out.toString();
  }

  /**
   * Reports a command line or configuration picocli could not use, and returns the exit code: a
   * configuration (a file, a variable, a value from them) as {@code scimd: invalid configuration:}
   * naming where the value came from; a command line's mistake as picocli says it, with how to list
   * the options rather than all of them.
   */
  int handle(CommandLine.ParameterException ex, String[] args) {
    CommandLine cl = ex.getCommandLine();
    PrintWriter err = cl.getErr();
    for (Throwable t = ex; t != null; t = t.getCause()) {
      if (t instanceof Invalid invalid) {
        err.println("scimd: invalid configuration: " + Main.oneLine(invalid.getMessage()));
        err.flush();
        return Main.EXIT_CONFIG;
      }
    }
    ArgSpec arg = ex.getArgSpec();
    Origin origin = arg == null ? null : origins.get(arg);
    if (origin != null && origin.value().equals(ex.getValue())) {
      String reason = PICOCLI_PREFIX.matcher(String.valueOf(ex.getMessage())).replaceFirst("");
      err.println("scimd: invalid configuration: " + origin.label() + ": " + reason);
      err.flush();
      return Main.EXIT_CONFIG;
    }
    err.println("scimd: " + ex.getMessage());
    CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
    err.println("Run '" + cl.getCommandSpec().qualifiedName(" ") + " --help' for its options.");
    err.flush();
    return cl.getCommandSpec().exitCodeOnInvalidInput();
  }
}
