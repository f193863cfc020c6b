using System.CommandLine;

namespace Backprop.Cli;

/// <summary>
/// The System.CommandLine form of one <see cref="ICommand"/>: an <see cref="Option{T}"/> of text per valued option
/// (values are checked by <see cref="Arguments"/>, which words every range error alike), a pair of
/// <see cref="Option{T}"/> of bool per flag (<c>--json</c>, which also reads <c>--json=false</c>, and <c>--no-json</c>),
/// and one positional argument list. No reflection: every symbol is built here by hand, which keeps the CLI AOT-safe.
/// </summary>
public sealed class CommandSyntax
{
    private readonly Dictionary<string, Option<string>> _valued = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (Option<bool> Flag, Option<bool> Negation)> _flags = new(StringComparer.Ordinal);

    /// <summary>Builds the command's symbols.</summary>
    public CommandSyntax(ICommand command)
    {
        Source = command;
        Command = new Command(command.Name, command.Description);
        // Every command collects all positional words, so that a surplus one is reported by name ("unexpected
        // argument 'x'") and a word like --lrr that matched no option is reported as an unknown option.
        var p = command.Positional;
        Positional = new Argument<string[]>(p?.HelpName ?? "ARGUMENTS") { Description = p?.Description, Arity = ArgumentArity.ZeroOrMore, Hidden = p is null };
        Command.Add(Positional);
        foreach (var spec in command.Options)
        {
            if (spec.IsFlag)
            {
                var flag = new Option<bool>("--" + spec.Name) { Description = spec.Description + " (--no-" + spec.Name + " or --" + spec.Name + "=false: off)" };
                var negation = new Option<bool>("--no-" + spec.Name) { Hidden = true };
                Command.Add(flag);
                Command.Add(negation);
                _flags.Add(spec.Name, (flag, negation));
            }
            else
            {
                var option = new Option<string>("--" + spec.Name) { Description = spec.Description, HelpName = spec.ValueName };
                Command.Add(option);
                _valued.Add(spec.Name, option);
            }
        }
    }

    /// <summary>The command these symbols describe.</summary>
    public ICommand Source { get; }

    /// <summary>The System.CommandLine command.</summary>
    public Command Command { get; }

    /// <summary>The positional arguments (hidden from the help when the command takes none).</summary>
    public Argument<string[]> Positional { get; }

    /// <summary>Every option name the command accepts, with its leading dashes (for "did you mean").</summary>
    public IEnumerable<string> OptionNames => _valued.Keys.Concat(_flags.Keys).Select(n => "--" + n).Append("--help");

    /// <summary>The option of a valued name; asking for a name the command did not declare is a bug.</summary>
    public Option<string> Valued(string name) => _valued.TryGetValue(name, out var o) ? o
        : throw new InvalidOperationException($"{Source.Name}: reads option --{name}, which it does not declare (or declares as a flag)");

    /// <summary>The flag and its negation; asking for a name the command did not declare is a bug.</summary>
    public (Option<bool> Flag, Option<bool> Negation) Flag(string name) => _flags.TryGetValue(name, out var f) ? f
        : throw new InvalidOperationException($"{Source.Name}: reads flag --{name}, which it does not declare (or declares with a value)");
}
