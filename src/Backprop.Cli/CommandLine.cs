namespace Backprop.Cli;

/// <summary>Entry point shared by the executable and the tests: dispatches to one command.</summary>
public static class CommandLine
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => 0;
}
