namespace Backprop.Cli;

/// <summary>A mistake in the command line; reported as one line with exit code <see cref="ExitCodes.Usage"/>.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>A failure with its own exit code and a one-line message (for example solve's stalls).</summary>
public sealed class CommandFailedException(string message, int exitCode) : Exception(message)
{
    /// <summary>The process exit code to return.</summary>
    public int ExitCode { get; } = exitCode;
}
