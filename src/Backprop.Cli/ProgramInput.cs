using System.Globalization;
using Backprop.Teaching.Expressions;

namespace Backprop.Cli;

/// <summary>
/// What explain and solve share: the program (from the argument, <c>--file PATH</c>, or <c>-</c> for stdin), the input
/// values of <c>--at w=3,b=4</c> and the output chosen by <c>--of NAME</c>; and the translation of the library's
/// program errors into the command line's messages and exit codes.
/// </summary>
public sealed record ProgramInput(ProgramSyntax Program, IReadOnlyDictionary<string, double> Values, string? OutputName)
{
    /// <summary>The program argument both commands take.</summary>
    public static readonly PositionalSpec Argument = new("PROGRAM",
        "statements separated by ';' or newlines, e.g. \"x = 2*w + 3*b; y = 2*b + 1; z = x*y\"; '-' reads the program from stdin", 1);

    /// <summary>The options both commands take.</summary>
    public static readonly OptionSpec[] Options =
    [
        new("file", "PATH", "read the program from a file instead"),
        new("at", "NAME=V,...", "the inputs' values, e.g. --at w=3,b=4"),
        new("of", "NAME", "the output: the last value assigned to NAME (default: the last statement)"),
    ];

    /// <summary>Reads the program and the options above (at most one positional argument).</summary>
    /// <exception cref="UsageException">No program, two programs, a malformed --at, or a program that does not parse.</exception>
    public static ProgramInput Read(Arguments args, TextReader stdin)
    {
        string? file = args.Text("file");
        string? at = args.Text("at");
        string? of = args.Text("of");
        args.CheckPositionalCount(1);
        string? positional = args.Positional.Count > 0 ? args.Positional[0] : null;
        string source = (positional, file) switch
        {
            (null, null) => throw new UsageException("no program: give it as an argument, with --file PATH, or '-' to read stdin"),
            (not null, not null) => throw new UsageException("give the program either as an argument or with --file, not both"),
            ("-", null) => stdin.ReadToEnd(),
            (not null, null) => positional,
            (null, not null) => ReadFile(file),
        };
        ProgramSyntax program = TranslateErrors(() => Parser.Parse(source));
        IReadOnlyDictionary<string, double> values = at is null ? new Dictionary<string, double>() : ParseValues(at, "at");
        if (of is { Length: 0 })
            throw new UsageException("--of needs a name");
        return new ProgramInput(program, values, of);
    }

    /// <summary>Parses <c>w=3,b=-4.5</c> into names and values (invariant culture; repeated names are an error).</summary>
    public static IReadOnlyDictionary<string, double> ParseValues(string text, string option)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            int equals = part.IndexOf('=');
            string name = equals < 0 ? "" : part[..equals].Trim();
            string number = equals < 0 ? "" : part[(equals + 1)..].Trim();
            if (name.Length == 0 || number.Length == 0)
                throw new UsageException($"--{option} expects NAME=VALUE pairs separated by commas, e.g. --{option} w=3,b=4; got '{part}'");
            if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
                throw new UsageException($"--{option}: the value of {name} must be a number, got '{number}'");
            if (!values.TryAdd(name, value))
                throw new UsageException($"--{option} gives {name} twice");
        }
        return values;
    }

    /// <summary>
    /// Runs <paramref name="action"/>, turning the library's program errors into the command line's: a syntax error
    /// (shown with its line and a caret) or a bad input into a usage error (exit 2), a domain error into exit 5.
    /// </summary>
    public static T TranslateErrors<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (ExpressionSyntaxException e)
        {
            // The caret lines only make sense below the quoted line, so the message keeps its three lines here.
            string rendered = e.Render();
            throw new UsageException(rendered.StartsWith("error: ", StringComparison.Ordinal) ? rendered["error: ".Length..] : rendered);
        }
        catch (ProgramInputException e) when (e.MissingInputs.Count > 0)
        {
            string example = string.Join(",", e.MissingInputs.Select(name => name + "=..."));
            throw new UsageException($"{e.Message}; give {(e.MissingInputs.Count == 1 ? "it" : "them")} with --at {example}");
        }
        catch (ProgramInputException e)
        {
            throw new UsageException(e.Message);
        }
        catch (ProgramDomainException e)
        {
            throw new CommandFailedException(e.Message, ExitCodes.Domain);
        }
    }

    private static string ReadFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandFailedException($"cannot read the program file {path}: {e.Message}", ExitCodes.Failure);
        }
    }
}
