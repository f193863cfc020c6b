using Backprop.Cli.Commands;

namespace Backprop.Cli;

/// <summary>
/// Entry point shared by the executable and the tests: picks the command, and turns every expected failure into one
/// line on stderr and an exit code — never a stack trace for a user's mistake.
/// </summary>
public static class CommandLine
{
    /// <summary>Every command, in the order the help lists them.</summary>
    public static IReadOnlyList<ICommand> Commands { get; } =
    [
        new ExplainCommand(),
        new SolveCommand(),
        new GradCheckCommand(),
        new EvalCommand(),
        new PredictCommand(),
        new TrainCommand(),
        new BenchCommand(),
    ];

    /// <summary>Runs one command line.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellation = default, bool errorIsTerminal = false)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            (args.Length == 0 ? stderr : stdout).Write(OverallHelp());
            return args.Length == 0 ? ExitCodes.Usage : ExitCodes.Ok;
        }
        if (args[0] == "--version")
        {
            stdout.WriteLine($"backprop {typeof(Tensor).Assembly.GetName().Version?.ToString(3)}");
            return ExitCodes.Ok;
        }
        var command = Commands.FirstOrDefault(c => c.Name == args[0]);
        if (command is null)
        {
            stderr.WriteLine($"backprop: unknown command '{args[0]}'; commands: {string.Join(", ", Commands.Select(c => c.Name))}");
            return ExitCodes.Usage;
        }
        if (args.Skip(1).Any(a => a is "-h" or "--help"))
        {
            stdout.Write(command.Help);
            return ExitCodes.Ok;
        }
        var context = new CommandContext(stdout, stderr, cancellation) { ErrorIsTerminal = errorIsTerminal };
        try
        {
            var arguments = new Arguments(command.Name, args.Skip(1), command.Flags);
            return command.Run(arguments, context);
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"backprop {command.Name}: {TrimPrefix(e.Message, command.Name)}");
            return ExitCodes.Usage;
        }
        catch (CommandFailedException e)
        {
            stderr.WriteLine($"backprop {command.Name}: {TrimPrefix(e.Message, command.Name)}");
            return e.ExitCode;
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine($"backprop {command.Name}: interrupted");
            return ExitCodes.Interrupted;
        }
        catch (Exception e) when (IsUserFacing(e))
        {
            stderr.WriteLine($"backprop {command.Name}: {OneLine(e.Message)}");
            return ExitCodes.Failure;
        }
    }

    // Failures caused by input files, data or values: the message is written for the user. Anything else is a bug
    // and keeps its stack trace so it can be reported.
    private static bool IsUserFacing(Exception e) => e is ArgumentException or InvalidOperationException or IOException
        or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or InvalidDataException
        || e.GetType().Name.EndsWith("FormatException", StringComparison.Ordinal)
        || e.GetType().Namespace?.StartsWith("Backprop", StringComparison.Ordinal) == true;

    private static string OneLine(string message)
    {
        int nl = message.IndexOf('\n');
        string line = nl < 0 ? message : message[..nl];
        // ArgumentException appends " (Parameter 'x')", which means nothing to a user of the command line.
        int p = line.IndexOf(" (Parameter '", StringComparison.Ordinal);
        return p < 0 ? line : line[..p];
    }

    private static string TrimPrefix(string message, string name) =>
        message.StartsWith(name + ": ", StringComparison.Ordinal) ? message[(name.Length + 2)..] : message;

    private static string OverallHelp()
    {
        var w = new StringWriter();
        w.WriteLine("backprop — reverse-mode automatic differentiation and neural networks, in pure .NET");
        w.WriteLine();
        w.WriteLine("usage: backprop <command> [options]      backprop <command> --help");
        w.WriteLine();
        foreach (var c in Commands) w.WriteLine($"  {c.Name,-10} {c.Summary}");
        return w.ToString();
    }
}
