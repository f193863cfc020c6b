using System.Runtime.InteropServices;
using Backprop.Cli;

// Ctrl+C (SIGINT) and SIGTERM ask the running command to stop at a safe point (training saves a checkpoint); the
// exit code then says which one came: 130 or 143. A second signal is not intercepted, so it ends the process.
using var cancellation = new CancellationTokenSource();
int interruptedExitCode = ExitCodes.Interrupted;
void Stop(PosixSignalContext signal, int exitCode)
{
    if (cancellation.IsCancellationRequested) return;
    signal.Cancel = true;
    interruptedExitCode = exitCode;
    cancellation.Cancel();
}
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, s => Stop(s, ExitCodes.Interrupted));
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, s => Stop(s, ExitCodes.Terminated));

var context = new CommandContext(Console.Out, Console.Error, cancellation.Token)
{
    ErrorIsTerminal = !Console.IsErrorRedirected,
    TerminalWidth = TerminalWidth,
    InterruptedExitCode = () => interruptedExitCode,
};
return CommandLine.Run(CommandLine.Commands, args, context);

static int TerminalWidth()
{
    try { return Console.WindowWidth; }
    catch (IOException) { return 80; }
}
