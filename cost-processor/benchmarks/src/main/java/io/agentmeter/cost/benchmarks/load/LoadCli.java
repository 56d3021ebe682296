package io.agentmeter.cost.benchmarks.load;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code agentmeter-load}: the cost processor's load test, kept out of the service's jar
 * ({@code java -jar cost-processor/benchmarks/target/agentmeter-load.jar load}). The jar bundles
 * the service, which {@code load} starts in a JVM of its own.
 */
@Command(
    name = "agentmeter-load",
    mixinStandardHelpOptions = true,
    version = "agentmeter-load 0.1.0-SNAPSHOT",
    description = "The cost processor service's load test.",
    subcommands = {
      LoadCommand.class,
      LoadBaselineCommand.class,
      CommandLine.HelpCommand.class
    })
public final class LoadCli implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  /** Runs a command line and returns its exit code (0 ok, 1 failed, 2 usage error). */
  static int run(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cli = new CommandLine(new LoadCli());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      commandLine.getErr().println("agentmeter-load: " + e.getMessage());
      return 1;
    });
    return cli.execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
