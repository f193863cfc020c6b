namespace Backprop.Data;

/// <summary>
/// Thrown when a data set cannot be loaded: the file or directory is missing, or its contents are not in the
/// expected format. The message names the file and, where it applies, the byte offset or the line and column,
/// and says what was expected and what was found, so it can be shown to a user as it is.
/// </summary>
public sealed class DataFormatException : Exception
{
    /// <summary>Creates the exception with a message that names the file and the problem.</summary>
    public DataFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it (e.g. an I/O error).</summary>
    public DataFormatException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
