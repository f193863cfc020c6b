using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Backprop.Cli;

/// <summary>
/// The options and positional arguments of one parsed command line (parsed by System.CommandLine against the
/// command's <see cref="CommandSyntax"/>). Values are read as text and checked here, so every command words its
/// range errors the same way ("--lr must be positive, got 0").
/// </summary>
public sealed class Arguments
{
    private readonly CommandSyntax _syntax;
    private readonly ParseResult _result;

    /// <summary>Wraps a parse result of <paramref name="syntax"/>'s command that has no parse errors.</summary>
    public Arguments(CommandSyntax syntax, ParseResult result)
    {
        _syntax = syntax;
        _result = result;
        Positional = result.GetValue(syntax.Positional) ?? [];
    }

    /// <summary>Parses the words after the command's name against its options (for code that runs parts of a command itself).</summary>
    /// <exception cref="UsageException">The words do not parse.</exception>
    public static Arguments Parse(ICommand command, IReadOnlyList<string> words)
    {
        var syntax = new CommandSyntax(command);
        var result = syntax.Command.Parse(words, new ParserConfiguration { EnablePosixBundling = false });
        if (result.Errors.Count > 0) throw new UsageException(result.Errors[0].Message);
        return new Arguments(syntax, result);
    }

    /// <summary>The positional arguments, in order (those after <c>--</c> included).</summary>
    public IReadOnlyList<string> Positional { get; }

    /// <summary>
    /// A flag's value: <c>--name</c> and <c>--name=true</c> mean true; absent, <c>--name=false</c> and <c>--no-name</c>
    /// mean false. Both <c>--name</c> and <c>--no-name</c> together are a usage error.
    /// </summary>
    public bool Flag(string name)
    {
        var (flag, negation) = _syntax.Flag(name);
        bool given = _result.GetResult(flag) is { Implicit: false };
        bool negated = _result.GetResult(negation) is { Implicit: false } && _result.GetValue(negation);
        if (given && negated && _result.GetValue(flag))
            throw new UsageException($"--{name} and --no-{name} contradict each other; give one");
        return !negated && given && _result.GetValue(flag);
    }

    /// <summary>An option's text, or null when absent.</summary>
    public string? Text(string name)
    {
        var option = _syntax.Valued(name);
        return _result.GetResult(option) is { Implicit: false } ? _result.GetValue(option) : null;
    }

    /// <summary>An integer option within [min, max].</summary>
    public int Int(string name, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        var text = Text(name);
        if (text is null) return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
            throw new UsageException($"--{name} expects a whole number, got '{text}'");
        if (v < min || v > max)
            throw new UsageException($"--{name} must be {(max == int.MaxValue ? $"at least {min}" : $"between {min} and {max}")}, got {v}");
        return v;
    }

    /// <summary>
    /// A number option; <paramref name="positive"/> rejects zero and negatives, <paramref name="nonNegative"/>
    /// negatives, and a value above <paramref name="max"/> is refused with the bound in the message.
    /// </summary>
    public double Double(string name, double fallback, bool positive = false, bool nonNegative = false, double max = double.MaxValue)
    {
        var text = Text(name);
        if (text is null) return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || double.IsNaN(v))
            throw new UsageException($"--{name} expects a number, got '{text}'");
        if (double.IsInfinity(v))
            throw new UsageException($"--{name} expects a number of at most about 1.8e308 in size, got '{text}'");
        if (positive && v <= 0) throw new UsageException($"--{name} must be positive, got {text}");
        if (nonNegative && v < 0) throw new UsageException($"--{name} must not be negative, got {text}");
        if (v > max) throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--{name} must be at most {max:R}, got {text}"));
        return v;
    }

    /// <summary>Throws for positional arguments beyond the first <paramref name="max"/>.</summary>
    public void CheckPositionalCount(int max)
    {
        if (Positional.Count > max)
            throw new UsageException($"unexpected argument '{Positional[max]}'");
    }
}
