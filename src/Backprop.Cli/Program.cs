using Backprop.Cli;

// Ctrl+C asks the running command to stop at a safe point (training saves a checkpoint); a second Ctrl+C kills.
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (cancellation.IsCancellationRequested) return;
    e.Cancel = true;
    cancellation.Cancel();
};
return CommandLine.Run(args, Console.Out, Console.Error, cancellation.Token, errorIsTerminal: !Console.IsErrorRedirected);
