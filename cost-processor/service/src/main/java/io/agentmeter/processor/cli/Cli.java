package io.agentmeter.processor.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code agentmeter}: the cost processor's command line. */
@Command(
    name = "agentmeter",
    mixinStandardHelpOptions = true,
    version = "agentmeter 0.1.0-SNAPSHOT",
    description = "The cost layer for multi-agent LLM systems: OTLP in, costed spans out.",
    subcommands = {
      ServeCommand.class,
      ReportCommand.class,
      ReplayCommand.class,
      RepriceCommand.class,
      PricesCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Cli implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /**
   * Runs a command line and returns its exit code (0 ok, 1 failed, 2 usage error: a bad option or
   * config file).
   */
  public static int run(String... args) {
    CommandLine cli = new CommandLine(new Cli());
    try {
      Settings settings = new Settings(args);
      settings.checkKeys(cli);
      cli.setDefaultValueProvider(settings);
    } catch (RuntimeException e) { // an unreadable config file, or one with keys no option has
      cli.getErr().println("agentmeter: " + e.getMessage());
      cli.getErr().flush();
      return CommandLine.ExitCode.USAGE;
    }
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      commandLine.getErr().println("agentmeter: " + e.getMessage());
      return 1;
    });
    return cli.execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
