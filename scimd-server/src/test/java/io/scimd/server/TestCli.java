package io.scimd.server;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/**
 * Runs scimd's command line through {@link Main}, as an operator runs it beside a server, and keeps
 * what it printed.
 */
public final class TestCli {
  private TestCli() {}

  /** A finished command: its exit code and what it printed to stdout and stderr. */
  public record Run(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + "\n" + out + err;
    }
  }

  /** Runs {@code args} with {@code env} as the environment. */
  public static Run run(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine(env, s -> {});
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  /** Runs {@code args} on the data directory {@code data} (a server's, say). */
  public static Run onData(Path data, Map<String, String> env, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--data", data.toString()));
    return run(env, all.toArray(String[]::new));
  }
}
