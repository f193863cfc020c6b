using Backprop.Data;
using Backprop.Serialization;
using Backprop.Teaching.Expressions;
using Backprop.Training;

namespace Backprop.Cli;

/// <summary>
/// Which exceptions are the user's mistakes (one line, exit 1) and which are bugs (a full stack trace). Only the
/// libraries' documented format exceptions, and I/O errors on the files the user named, are user errors here; an
/// <see cref="ArgumentException"/> or <see cref="InvalidOperationException"/> is a bug unless the command caught it
/// at the call that passed the user's input (and rethrew it as <see cref="CommandFailedException"/> or <see cref="UsageException"/>).
/// </summary>
public static class UserErrors
{
    /// <summary>Whether <paramref name="e"/> reports bad input rather than a bug.</summary>
    public static bool IsUserError(Exception e) => e is
        DataFormatException                 // CSV and IDX readers
        or SafeTensorsFormatException       // the safetensors reader
        or InvalidDataException             // checkpoint metadata (Checkpoint.Load, Trainer.Resume)
        or ExpressionSyntaxException or ProgramInputException or ProgramDomainException // programs of explain and solve
        or RunDirectoryException            // --out
        or IOException                      // a file the user named: missing, unreadable, disk full
        or UnauthorizedAccessException;

    /// <summary>
    /// Runs a library call on the user's input, turning the <see cref="ArgumentException"/> (or
    /// <see cref="InvalidOperationException"/>) it documents for bad input into a one-line failure (exit 1).
    /// </summary>
    public static T AtCall<T>(Func<T> call)
    {
        try { return call(); }
        catch (ArgumentException e) { throw new CommandFailedException(e.Message, ExitCodes.Failure); }
        catch (InvalidOperationException e) { throw new CommandFailedException(e.Message, ExitCodes.Failure); }
    }
}
