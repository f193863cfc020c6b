using System.Globalization;

namespace Backprop.Cli;

/// <summary>
/// The options and positional arguments of one command. Options are <c>--name value</c>, <c>--name=value</c> or a bare
/// <c>--flag</c>; every option a command does not read is reported as unknown, so a typo never passes silently.
/// </summary>
public sealed class Arguments
{
    private readonly string _command;
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);
    private readonly List<string> _positional = [];

    /// <summary>Splits the arguments that follow the command name.</summary>
    public Arguments(string command, IEnumerable<string> args, IReadOnlySet<string> flags)
    {
        _command = command;
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            string a = list[i];
            if (a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2)
            {
                string name = a[2..];
                string? value = null;
                int eq = name.IndexOf('=');
                if (eq >= 0)
                {
                    value = name[(eq + 1)..];
                    name = name[..eq];
                }
                else if (!flags.Contains(name))
                {
                    if (i + 1 >= list.Count) throw new UsageException($"{command}: option --{name} needs a value");
                    value = list[++i];
                }
                if (_options.ContainsKey(name)) throw new UsageException($"{command}: option --{name} is given twice");
                _options[name] = value;
            }
            else _positional.Add(a);
        }
    }

    /// <summary>The positional arguments, in order.</summary>
    public IReadOnlyList<string> Positional => _positional;

    /// <summary>Whether a flag (or any option) was given.</summary>
    public bool Flag(string name)
    {
        _used.Add(name);
        return _options.ContainsKey(name);
    }

    /// <summary>An option's text, or null when absent.</summary>
    public string? Text(string name)
    {
        _used.Add(name);
        return _options.TryGetValue(name, out var v) ? v : null;
    }

    /// <summary>An integer option within [min, max].</summary>
    public int Int(string name, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        var text = Text(name);
        if (text is null) return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
            throw new UsageException($"{_command}: --{name} expects a whole number, got '{text}'");
        if (v < min || v > max)
            throw new UsageException($"{_command}: --{name} must be {(max == int.MaxValue ? $"at least {min}" : $"between {min} and {max}")}, got {v}");
        return v;
    }

    /// <summary>A number option; <paramref name="positive"/> rejects zero and negatives.</summary>
    public double Double(string name, double fallback, bool positive = false, bool nonNegative = false)
    {
        var text = Text(name);
        if (text is null) return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
            throw new UsageException($"{_command}: --{name} expects a number, got '{text}'");
        if (positive && v <= 0) throw new UsageException($"{_command}: --{name} must be positive, got {text}");
        if (nonNegative && v < 0) throw new UsageException($"{_command}: --{name} must not be negative, got {text}");
        return v;
    }

    /// <summary>Throws for any option the command did not read, and for extra positional arguments.</summary>
    public void EnsureAllUsed(int maxPositional)
    {
        foreach (var name in _options.Keys)
            if (!_used.Contains(name)) throw new UsageException($"{_command}: unknown option --{name} (see 'backprop {_command} --help')");
        if (_positional.Count > maxPositional)
            throw new UsageException($"{_command}: unexpected argument '{_positional[maxPositional]}'");
    }
}
