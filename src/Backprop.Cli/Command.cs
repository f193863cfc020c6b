namespace Backprop.Cli;

/// <summary>Where a command writes: results to <see cref="Out"/>, progress and diagnostics to <see cref="Error"/>.</summary>
public sealed record CommandContext(TextWriter Out, TextWriter Error, CancellationToken Cancellation)
{
    /// <summary>Whether stderr is an interactive terminal (progress bars) rather than a file or pipe.</summary>
    public bool ErrorIsTerminal { get; init; }

    /// <summary>The terminal's width in columns, read when a progress bar is drawn (it may change during a run).</summary>
    public Func<int> TerminalWidth { get; init; } = () => 80;

    /// <summary>The exit code after <see cref="Cancellation"/> fired: 130 for Ctrl+C (SIGINT), 143 for SIGTERM.</summary>
    public Func<int> InterruptedExitCode { get; init; } = () => ExitCodes.Interrupted;
}

/// <summary>
/// One option of a command: <c>--Name VALUE</c>, or a flag (<see cref="ValueName"/> null) that also reads
/// <c>--Name=false</c> and <c>--no-Name</c>. The description is the option's line in the generated help.
/// </summary>
public sealed record OptionSpec(string Name, string? ValueName, string Description)
{
    /// <summary>Whether the option takes no value.</summary>
    public bool IsFlag => ValueName is null;
}

/// <summary>The positional arguments a command takes: at most <see cref="Max"/>, shown as <see cref="HelpName"/>.</summary>
public sealed record PositionalSpec(string HelpName, string Description, int Max);

/// <summary>One `backprop` command: what its help shows (generated from these parts) and how it runs.</summary>
public interface ICommand
{
    /// <summary>The word that selects it.</summary>
    string Name { get; }

    /// <summary>One line for the command list.</summary>
    string Summary { get; }

    /// <summary>The paragraph the help opens with.</summary>
    string Description { get; }

    /// <summary>The positional arguments, or null for none.</summary>
    PositionalSpec? Positional { get; }

    /// <summary>The options, in the order the help lists them.</summary>
    IReadOnlyList<OptionSpec> Options { get; }

    /// <summary>Text printed after the generated option list: defaults, examples, exit codes (may be empty).</summary>
    string Epilogue { get; }

    /// <summary>Runs the command; returns the exit code.</summary>
    int Run(Arguments args, CommandContext context);
}
