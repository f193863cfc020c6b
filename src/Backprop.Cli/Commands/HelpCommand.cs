namespace Backprop.Cli.Commands;

/// <summary>`backprop help [COMMAND]`: the command list, or one command's help (the same text as `COMMAND --help`).</summary>
public sealed class HelpCommand : ICommand
{
    public string Name => "help";
    public string Summary => "show the command list, or a command's options: backprop help train";
    public string Description => "Prints the command list, or the help of one command (the same text as 'backprop COMMAND --help').";
    public PositionalSpec? Positional { get; } = new("COMMAND", "the command to describe", 1);
    public IReadOnlyList<OptionSpec> Options { get; } = [];
    public string Epilogue => "";

    public int Run(Arguments args, CommandContext context)
    {
        args.CheckPositionalCount(1);
        string? word = args.Positional.Count > 0 ? args.Positional[0] : null;
        string text = CommandLine.HelpText(word) ?? throw new UsageException(CommandLine.UnknownCommand(word!, CommandLine.Commands)["backprop: ".Length..]);
        context.Out.Write(text);
        return ExitCodes.Ok;
    }
}
