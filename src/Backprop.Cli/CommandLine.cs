using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using Backprop.Cli.Commands;

namespace Backprop.Cli;

/// <summary>
/// Entry point shared by the executable and the tests: parses the command line with System.CommandLine (generated
/// help, <c>--</c>, response files <c>@FILE</c>, the <c>[suggest]</c> completion directive), runs the command, and
/// turns every user mistake into one line on stderr and an exit code — and every other exception into a full stack
/// trace, so a bug is never disguised as a user error (see <see cref="UserErrors"/>).
/// </summary>
public static class CommandLine
{
    /// <summary>Every command, in the order the help lists them.</summary>
    public static IReadOnlyList<ICommand> Commands { get; } =
    [
        new ExplainCommand(),
        new SolveCommand(),
        new GradCheckCommand(),
        new EvalCommand(),
        new PredictCommand(),
        new TrainCommand(),
        new GenerateCommand(),
        new ExportCommand(),
        new BenchCommand(),
        new HelpCommand(),
        new CompletionCommand(),
    ];

    /// <summary>Runs one command line; Ctrl+C through <paramref name="cancellation"/> exits with 130.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellation = default, bool errorIsTerminal = false) =>
        Run(Commands, args, new CommandContext(stdout, stderr, cancellation) { ErrorIsTerminal = errorIsTerminal });

    /// <summary>Runs one command line against <paramref name="commands"/>, writing where <paramref name="context"/> says.</summary>
    public static int Run(IReadOnlyList<ICommand> commands, string[] args, CommandContext context)
    {
        var stdout = context.Out;
        var stderr = context.Error;
        if (args.Length == 0)
        {
            stderr.Write(OverallHelp(commands));
            return ExitCodes.Usage;
        }
        if (args is ["-h" or "--help" or "-?"])
        {
            stdout.Write(OverallHelp(commands));
            return ExitCodes.Ok;
        }
        if (args is ["--version"])
        {
            stdout.WriteLine($"backprop {typeof(Tensor).Assembly.GetName().Version?.ToString(3)}");
            return ExitCodes.Ok;
        }

        var (root, syntaxes) = BuildRoot(commands);
        var result = root.Parse(args, new ParserConfiguration { EnablePosixBundling = false });
        if (args[0].StartsWith("[suggest", StringComparison.Ordinal))
            return result.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr });

        var syntax = syntaxes.FirstOrDefault(s => ReferenceEquals(s.Command, result.CommandResult.Command));
        if (syntax is null)
        {
            string word = result.Tokens.FirstOrDefault(t => t.Type != TokenType.Directive)?.Value ?? args[0];
            stderr.WriteLine(UnknownCommand(word, commands));
            return ExitCodes.Usage;
        }
        if (result.Action is HelpAction)
        {
            WriteHelp(syntax, root, stdout);
            return ExitCodes.Ok;
        }
        string? mistake = ParseMistake(syntax, result);
        if (mistake is not null)
        {
            stderr.WriteLine($"backprop {syntax.Source.Name}: {Printable.Escape(mistake, keepNewlines: false)}");
            return ExitCodes.Usage;
        }
        return RunCommand(syntax, new Arguments(syntax, result), context);
    }

    private static int RunCommand(CommandSyntax syntax, Arguments arguments, CommandContext context)
    {
        string name = syntax.Source.Name;
        var stderr = context.Error;
        try
        {
            return syntax.Source.Run(arguments, context);
        }
        catch (UsageException e)
        {
            // A syntax error keeps its quoted line and caret below the message; everything else is one line.
            stderr.WriteLine($"backprop {name}: {Printable.Escape(TrimPrefix(e.Message, name), keepNewlines: true)}");
            return ExitCodes.Usage;
        }
        catch (CommandFailedException e)
        {
            stderr.WriteLine($"backprop {name}: {Printable.Escape(OneLine(TrimPrefix(e.Message, name)), keepNewlines: false)}");
            return e.ExitCode;
        }
        catch (OperationCanceledException) when (context.Cancellation.IsCancellationRequested)
        {
            stderr.WriteLine($"backprop {name}: interrupted");
            return context.InterruptedExitCode();
        }
        catch (Exception e) when (UserErrors.IsUserError(e))
        {
            stderr.WriteLine($"backprop {name}: {Printable.Escape(OneLine(TrimPrefix(e.Message, name)), keepNewlines: false)}");
            return ExitCodes.Failure;
        }
        catch (Exception e)
        {
            stderr.WriteLine($"backprop {name}: internal error (a bug in backprop, not in your input; please report it with this trace):");
            stderr.WriteLine(e.ToString());
            return ExitCodes.InternalError;
        }
    }

    // What System.CommandLine found wrong, in the command line's own words; null when nothing is.
    private static string? ParseMistake(CommandSyntax syntax, ParseResult result)
    {
        string name = syntax.Source.Name;
        // Words after `--` are positional whatever they look like; before it, a word starting with `--` that matched
        // no option is a mistyped or unknown option (System.CommandLine hands it to the positional list).
        var positional = result.GetValue(syntax.Positional) ?? [];
        int afterTerminator = result.Tokens.SkipWhile(t => t.Type != TokenType.DoubleDash).Count(t => t.Type == TokenType.Argument);
        foreach (string word in positional.Take(positional.Length - afterTerminator))
        {
            if (word.Length > 2 && word.StartsWith("--", StringComparison.Ordinal))
            {
                int equals = word.IndexOf('=');
                return $"unknown option {(equals < 0 ? word : word[..equals])} (see 'backprop {name} --help')";
            }
        }
        foreach (var error in result.Errors)
        {
            if (error.SymbolResult is OptionResult option)
            {
                string optionName = option.Option.Name;
                if (option.IdentifierTokenCount > 1) return $"option {optionName} is given twice";
                if (option.Tokens.Count == 0) return $"option {optionName} needs a value";
            }
            return error.Message;
        }
        return null;
    }

    private static (RootCommand Root, CommandSyntax[] Syntaxes) BuildRoot(IReadOnlyList<ICommand> commands)
    {
        var root = new RootCommand("backprop — reverse-mode automatic differentiation and neural networks, in pure .NET") { HelpName = "backprop" };
        // `--version` is answered before parsing, in the library's version (System.CommandLine's prints the CLI's).
        foreach (var version in root.Options.OfType<VersionOption>().ToList()) root.Options.Remove(version);
        var syntaxes = commands.Select(c => new CommandSyntax(c)).ToArray();
        foreach (var s in syntaxes) root.Add(s.Command);
        return (root, syntaxes);
    }

    private static void WriteHelp(CommandSyntax syntax, RootCommand root, TextWriter output)
    {
        foreach (var help in root.Options.OfType<HelpOption>())
            if (help.Action is HelpAction action) action.MaxWidth = HelpWidth();
        root.Parse([syntax.Source.Name, "--help"]).Invoke(new InvocationConfiguration { Output = output });
        output.Write(syntax.Source.Epilogue); // the generated part ends with a blank line
    }

    /// <summary>The help of the command named <paramref name="word"/> (the command list for null), or null for a word that names none.</summary>
    public static string? HelpText(string? word)
    {
        if (word is null) return OverallHelp(Commands);
        var (root, syntaxes) = BuildRoot(Commands);
        var syntax = syntaxes.FirstOrDefault(s => s.Source.Name == word);
        if (syntax is null) return null;
        var w = new StringWriter();
        WriteHelp(syntax, root, w);
        return w.ToString();
    }

    private static int HelpWidth()
    {
        try { return Console.IsOutputRedirected ? 100 : Math.Clamp(Console.WindowWidth, 40, 120); }
        catch (IOException) { return 100; }
    }

    /// <summary>The line for a word that names no command, with the nearest command when one is close.</summary>
    public static string UnknownCommand(string word, IReadOnlyList<ICommand> commands)
    {
        string? near = Suggestions.Nearest(word, commands.Select(c => c.Name));
        return $"backprop: unknown command '{Printable.Escape(word, keepNewlines: false)}'{(near is null ? "" : $"; did you mean '{near}'?")} (commands: {string.Join(", ", commands.Select(c => c.Name))})";
    }

    private static string OneLine(string message)
    {
        int nl = message.IndexOf('\n');
        string line = nl < 0 ? message : message[..nl];
        // ArgumentException appends " (Parameter 'x')", which means nothing to a user of the command line.
        int p = line.IndexOf(" (Parameter '", StringComparison.Ordinal);
        return p < 0 ? line : line[..p];
    }

    private static string TrimPrefix(string message, string name) =>
        message.StartsWith(name + ": ", StringComparison.Ordinal) ? message[(name.Length + 2)..] : message;

    private static string OverallHelp(IReadOnlyList<ICommand> commands)
    {
        var w = new StringWriter();
        w.WriteLine("backprop — reverse-mode automatic differentiation and neural networks, in pure .NET");
        w.WriteLine();
        w.WriteLine("usage: backprop <command> [options]      backprop help <command>      backprop <command> --help");
        w.WriteLine();
        foreach (var c in commands) w.WriteLine($"  {c.Name,-10} {c.Summary}");
        w.WriteLine();
        w.WriteLine("Options may also come from a response file (@FILE, one or more per line); `--` ends the options.");
        return w.ToString();
    }
}
