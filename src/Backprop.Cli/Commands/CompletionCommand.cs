namespace Backprop.Cli.Commands;

/// <summary>
/// `backprop completion bash|zsh|pwsh`: prints a script that makes the shell complete backprop's commands and
/// options. The script asks backprop itself (System.CommandLine's <c>[suggest:POSITION]</c> directive), so the
/// completions always match the installed version.
/// </summary>
public sealed class CompletionCommand : ICommand
{
    private static readonly string[] Shells = ["bash", "zsh", "pwsh"];

    public string Name => "completion";
    public string Summary => "print a tab-completion script: bash, zsh or pwsh";
    public string Description => "Prints a script that makes the shell complete backprop's commands and options with Tab.";
    public PositionalSpec? Positional { get; } = new("SHELL", "bash | zsh | pwsh", 1);
    public IReadOnlyList<OptionSpec> Options { get; } = [];

    public string Epilogue => """
        Install (once; new shells then complete `backprop <Tab>`):
          bash   backprop completion bash > ~/.local/share/bash-completion/completions/backprop
          zsh    backprop completion zsh > "${fpath[1]}/_backprop"      (or: source <(backprop completion zsh))
          pwsh   backprop completion pwsh >> $PROFILE

        """;

    public int Run(Arguments args, CommandContext context)
    {
        args.CheckPositionalCount(1);
        string shell = args.Positional.Count > 0 ? args.Positional[0]
            : throw new UsageException($"which shell? backprop completion {string.Join("|", Shells)}");
        context.Out.Write(shell switch
        {
            "bash" => Bash,
            "zsh" => Zsh,
            "pwsh" or "powershell" => PowerShell,
            _ => throw new UsageException($"unknown shell '{shell}'; expected one of {string.Join(", ", Shells)}"),
        });
        return ExitCodes.Ok;
    }

    private const string Bash = """
        # bash completion for backprop: backprop completion bash > ~/.local/share/bash-completion/completions/backprop
        _backprop_complete() {
            local IFS=$'\n'
            COMPREPLY=($(backprop "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null | grep -- "^${COMP_WORDS[COMP_CWORD]}"))
        }
        complete -o default -o bashdefault -F _backprop_complete backprop

        """;

    private const string Zsh = """
        #compdef backprop
        # zsh completion for backprop: backprop completion zsh > "${fpath[1]}/_backprop"
        _backprop() {
            local -a items
            items=("${(@f)$(backprop "[suggest:${CURSOR}]" "${BUFFER}" 2>/dev/null)}")
            items=(${items:#})
            if (( ${#items} )); then compadd -a items; else _files; fi
        }
        compdef _backprop backprop

        """;

    private const string PowerShell = """
        # PowerShell completion for backprop: backprop completion pwsh >> $PROFILE
        Register-ArgumentCompleter -Native -CommandName backprop -ScriptBlock {
            param($wordToComplete, $commandAst, $cursorPosition)
            backprop "[suggest:$cursorPosition]" "$commandAst" | ForEach-Object {
                [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
            }
        }

        """;
}
