namespace Backprop.Cli;

/// <summary>
/// Runs work that cannot watch a cancellation token itself (a library call such as the solver's loop) so that
/// Ctrl+C or SIGTERM still stops the command at once: the work runs on a pool thread, and a cancellation returns
/// control to the command, which reports the interruption and exits. Use it only for work that writes nothing the
/// user keeps (the process ends right after, and the abandoned work with it).
/// </summary>
public static class Interruptible
{
    /// <summary>The work's result; throws <see cref="OperationCanceledException"/> when <paramref name="cancellation"/> fires first.</summary>
    public static T Run<T>(Func<T> work, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        if (!cancellation.CanBeCanceled) return work();
        var task = Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            task.Wait(cancellation);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException!).Throw();
        }
        return task.Result;
    }
}
