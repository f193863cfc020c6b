namespace Backprop.Cli;

/// <summary>The process exit codes of every command (documented in docs/cli.md).</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;
    /// <summary>The command ran and failed: bad data, a missing file, a failed gradient check.</summary>
    public const int Failure = 1;
    /// <summary>The command line itself is wrong: unknown command or option, bad value, syntax error in a program.</summary>
    public const int Usage = 2;
    /// <summary>solve: the iteration limit was reached before the output hit the target.</summary>
    public const int NotConverged = 3;
    /// <summary>solve: the gradient is zero, so no step can move the output.</summary>
    public const int ZeroGradient = 4;
    /// <summary>solve or explain: a value left the function's domain (ln or sqrt of a negative, division by zero).</summary>
    public const int Domain = 5;
    /// <summary>solve: the error grew without bound.</summary>
    public const int Diverged = 6;
    /// <summary>solve: a second-order step is undefined — a second derivative of 0, or a Hessian that is singular or not positive definite.</summary>
    public const int Curvature = 7;
    /// <summary>A bug in backprop (not in the input): the stack trace is on stderr (EX_SOFTWARE of sysexits.h).</summary>
    public const int InternalError = 70;
    /// <summary>Stopped by Ctrl+C, SIGINT (after saving what could be saved): 128 + 2.</summary>
    public const int Interrupted = 130;
    /// <summary>Stopped by SIGTERM (after saving what could be saved): 128 + 15.</summary>
    public const int Terminated = 143;
}
