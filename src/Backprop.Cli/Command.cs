namespace Backprop.Cli;

/// <summary>Where a command writes: results to <see cref="Out"/>, progress and diagnostics to <see cref="Error"/>.</summary>
public sealed record CommandContext(TextWriter Out, TextWriter Error, CancellationToken Cancellation)
{
    /// <summary>Whether stderr is an interactive terminal (progress bars) rather than a file or pipe.</summary>
    public bool ErrorIsTerminal { get; init; }
}

/// <summary>One `backprop` command.</summary>
public interface ICommand
{
    /// <summary>The word that selects it.</summary>
    string Name { get; }

    /// <summary>One line for the command list.</summary>
    string Summary { get; }

    /// <summary>The full help text.</summary>
    string Help { get; }

    /// <summary>The option names that take no value.</summary>
    IReadOnlySet<string> Flags { get; }

    /// <summary>Runs the command; returns the exit code.</summary>
    int Run(Arguments args, CommandContext context);
}
