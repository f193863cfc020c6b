using System.Text.Json;
using Backprop.Cli;
using Backprop.Data;
using Backprop.Tests.Data;

namespace Backprop.Tests.Cli;

// The command line itself: generated help, `help COMMAND`, `--`, response files, completion, flags that read
// false, "did you mean", and the line between user errors (one line) and bugs (a stack trace).
public class CommandLineTests
{
    private const string Lecture = "x = 2*w + 3*b; y = 2*b + 1; z = x*y";

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CommandLine.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static (int Code, string Out, string Err) RunWith(ICommand command, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CommandLine.Run([command], [command.Name, .. args], new CommandContext(stdout, stderr, default));
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void HelpIsGeneratedFromTheOptionsAndHelpCommandMatchesIt()
    {
        var (code, output, _) = Run("train", "--help");
        Assert.Equal(0, code);
        foreach (var option in new Backprop.Cli.Commands.TrainCommand().Options)
            Assert.Contains("--" + option.Name + (option.IsFlag ? "" : $" <{option.ValueName}>"), output);
        Assert.Contains("Defaults per data set", output); // the epilogue follows the generated part
        var (helpCode, helpOutput, _) = Run("help", "train");
        Assert.Equal(0, helpCode);
        Assert.Equal(output, helpOutput);
    }

    [Fact]
    public void EveryCommandHasHelp()
    {
        foreach (var command in CommandLine.Commands)
        {
            var (code, output, error) = Run(command.Name, "-h");
            Assert.Equal(0, code);
            Assert.Equal("", error);
            Assert.Contains($"backprop {command.Name}", output);
        }
    }

    [Fact]
    public void ATypoedCommandSuggestsTheNearestOne()
    {
        var (code, output, error) = Run("trian", "--epochs", "2");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", output);
        Assert.StartsWith("backprop: unknown command 'trian'; did you mean 'train'?", error);
        Assert.DoesNotContain("did you mean", Run("zzzzzz").Err);
        Assert.Contains("did you mean 'explain'?", Run("help", "explian").Err);
    }

    [Theory]
    [InlineData("--json", true)]
    [InlineData("--json=true", true)]
    [InlineData("--json=false", false)]
    [InlineData("--json:false", false)]
    [InlineData("--no-json", false)]
    public void FlagsReadTrueAndFalse(string flag, bool json)
    {
        var (code, output, _) = Run("explain", Lecture, "--at", "w=3,b=4", flag);
        Assert.Equal(0, code);
        Assert.Equal(json, output.StartsWith('{'));
        if (json) JsonDocument.Parse(output);
        else Assert.StartsWith("program  ", output);
    }

    [Fact]
    public void AFlagAndItsNegationTogetherAreAUsageError()
    {
        var (code, _, error) = Run("explain", Lecture, "--at", "w=3,b=4", "--json", "--no-json");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--json and --no-json contradict each other", error);
    }

    [Fact]
    public void DoubleDashEndsTheOptions()
    {
        // After `--` a word that looks like an option is an argument: here the checkpoint's file name.
        var (code, _, error) = Run("eval", "--", "--json");
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Equal("backprop eval: checkpoint '--json' does not exist", error.TrimEnd());
        var (unknown, _, unknownError) = Run("eval", "--json", "--jsn");
        Assert.Equal(ExitCodes.Usage, unknown);
        Assert.Contains("unknown option --jsn", unknownError);
    }

    [Fact]
    public void ResponseFilesHoldArguments()
    {
        using var dir = new ScratchDirectory();
        string file = dir.File("explain.rsp");
        File.WriteAllText(file, "--at w=3,b=4\n--json\n");
        var (code, output, error) = Run("explain", Lecture, "@" + file);
        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Equal(162, JsonDocument.Parse(output).RootElement.GetProperty("output").GetProperty("value").GetDouble());
    }

    [Theory]
    [InlineData("bash", "complete -o default")]
    [InlineData("zsh", "compdef _backprop backprop")]
    [InlineData("pwsh", "Register-ArgumentCompleter")]
    public void CompletionScriptsAskBackpropForSuggestions(string shell, string marker)
    {
        var (code, output, _) = Run("completion", shell);
        Assert.Equal(0, code);
        Assert.Contains(marker, output);
        Assert.Contains("[suggest:", output);
    }

    [Fact]
    public void SuggestDirectiveCompletesCommandsAndOptions()
    {
        var commands = Run("[suggest:11]", "backprop tr").Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["train"], commands);
        var options = Run("[suggest:20]", "backprop train --epo").Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["--epochs"], options);
    }

    [Theory]
    [InlineData("option --at is given twice", Lecture, "--at", "w=3,b=4", "--at", "w=1")]
    [InlineData("option --at needs a value", Lecture, "--at")]
    [InlineData("unknown option --att (see 'backprop explain --help')", Lecture, "--att", "w=3")]
    [InlineData("unknown option --json2 (see 'backprop explain --help')", Lecture, "--json2=1")]
    public void ParseMistakesAreOneLineUsageErrors(string message, params string[] args)
    {
        var (code, _, error) = Run(["explain", .. args]);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal($"backprop explain: {message}", error.TrimEnd());
    }

    [Fact]
    public void ControlCharactersFromTheUserAreEscaped()
    {
        var (code, _, error) = Run("eval", "bad\u001b[2Jname\rx.safetensors");
        Assert.Equal(ExitCodes.Failure, code);
        Assert.DoesNotContain('\u001b', error);
        Assert.DoesNotContain('\r', error);
        Assert.Contains("bad\\x1b[2Jname\\rx.safetensors", error);
        Assert.Contains("unknown command 'a\\x07b'", Run("a\u0007b").Err);
    }

    [Theory]
    [InlineData("format")]
    [InlineData("io")]
    public void UserErrorsAreOneLine(string kind)
    {
        var (code, output, error) = RunWith(new ThrowingCommand(kind));
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Equal("", output);
        Assert.Equal("backprop throw: bad input here", error.TrimEnd());
    }

    [Theory]
    [InlineData("invalid-operation")]
    [InlineData("argument")]
    [InlineData("null")]
    public void InternalErrorsKeepTheirStackTrace(string kind)
    {
        var (code, _, error) = RunWith(new ThrowingCommand(kind));
        Assert.Equal(ExitCodes.InternalError, code);
        Assert.StartsWith("backprop throw: internal error", error);
        Assert.Contains("bad input here", error);
        Assert.Contains("   at Backprop.Tests.Cli.CommandLineTests.ThrowingCommand.Run", error); // the stack trace
    }

    [Fact]
    public void SuggestionsNeedACloseWord()
    {
        Assert.Equal("train", Suggestions.Nearest("trian", ["explain", "train", "eval"]));
        Assert.Equal("eval", Suggestions.Nearest("evl", ["explain", "train", "eval"]));
        Assert.Null(Suggestions.Nearest("plot", ["explain", "train", "eval"]));
        Assert.Equal(1, Suggestions.Distance("ab", "ba"));
        Assert.Equal(3, Suggestions.Distance("kitten", "sitting"));
    }

    // A command that throws the exception its name asks for, as a library call inside a real command might.
    private sealed class ThrowingCommand(string kind) : ICommand
    {
        public string Name => "throw";
        public string Summary => "throws";
        public string Description => "throws";
        public PositionalSpec? Positional => null;
        public IReadOnlyList<OptionSpec> Options => [];
        public string Epilogue => "";

        public int Run(Arguments args, CommandContext context) => kind switch
        {
            "format" => throw new DataFormatException("bad input here"),
            "io" => throw new FileNotFoundException("bad input here"),
            "invalid-operation" => throw new InvalidOperationException("bad input here"),
            "argument" => throw new ArgumentException("bad input here"),
            _ => throw new NullReferenceException("bad input here"),
        };
    }
}
