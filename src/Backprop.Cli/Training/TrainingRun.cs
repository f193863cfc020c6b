using System.Globalization;
using Backprop.Training;

namespace Backprop.Cli.Training;

/// <summary>What <see cref="TrainingRun.Run{TBatch}"/> needs besides the trainer: the command's options and the start line.</summary>
/// <param name="Resume">The checkpoint given to --resume, or null for a new run.</param>
/// <param name="Epochs">The epochs the run is to reach; a checkpoint that has them already is refused.</param>
/// <param name="Overwrite">--overwrite: the run already in the directory is removed once its lock is taken.</param>
/// <param name="RunFiles">The files of this kind of run besides checkpoint and metrics, removed with it.</param>
/// <param name="StartLine">The line on stderr that says what trains, on what, with which settings.</param>
/// <param name="BatchesPerEpoch">For the line an interrupted run prints.</param>
/// <param name="Threads">Kernel threads.</param>
/// <param name="ThreadsText">--threads as given (null when not), repeated in the resume command.</param>
/// <param name="Json">--json, repeated in the resume command.</param>
public sealed record TrainingRunOptions(
    string? Resume, int Epochs, bool Overwrite, IReadOnlyList<string> RunFiles, string StartLine,
    int BatchesPerEpoch, int Threads, string? ThreadsText, bool Json);

/// <summary>
/// The part of `train` every model shares once its trainer is built: continuing a checkpoint, holding the output
/// directory for the whole run (a second train into it is refused), the start line, the run with its progress bar,
/// a diverged loss or an anomaly as a failure of the run, and Ctrl+C's checkpoint with the command that resumes it.
/// </summary>
public static class TrainingRun
{
    /// <summary>
    /// Runs <paramref name="trainer"/>; when it finishes, <paramref name="finish"/> gets the result and the checkpoint's
    /// path, with the directory still held, and returns the exit code. An interrupted run returns the signal's code.
    /// </summary>
    public static int Run<TBatch>(Trainer<TBatch> trainer, RunDirectory directory, TrainingRunOptions options, CommandContext context,
        Func<TrainingResult, string, int> finish)
    {
        if (options.Resume is { } resume)
        {
            // Weights that do not fit the model, or optimizer state of another optimizer, are the checkpoint's fault.
            UserErrors.AtCall(() => { trainer.Resume(resume); return 0; });
            if (trainer.CompletedEpochs >= options.Epochs)
                throw new UsageException($"checkpoint '{resume}' has finished {trainer.CompletedEpochs} epochs already; pass a larger --epochs to train further");
        }

        using var runLock = directory.Lock();
        if (options.Overwrite) directory.RemoveRun(options.RunFiles);

        context.Error.WriteLine(options.StartLine);
        if (trainer.CompletedEpochs > 0 || trainer.BatchesIntoEpoch > 0)
            context.Error.WriteLine($"train: resuming after epoch {trainer.CompletedEpochs}{(trainer.BatchesIntoEpoch > 0 ? $" and {trainer.BatchesIntoEpoch} batches" : "")}");
        context.Error.Flush();

        var reporter = new ProgressReporter(context.Error, context.ErrorIsTerminal, context.TerminalWidth);
        TrainingResult result;
        try
        {
            using (Backprop.Kernels.Parallelism.Limit(options.Threads))
                result = trainer.Run(reporter, context.Cancellation);
        }
        catch (Exception e) when (e is TrainingDivergedException or AnomalyException)
        {
            // A non-finite loss, or (with --detect-anomaly) the first non-finite value and where it came from: the
            // user's learning rate or data, not a bug.
            reporter.Clear();
            throw new CommandFailedException(e.Message, ExitCodes.Failure);
        }

        string checkpointPath = result.CheckpointPath ?? directory.CheckpointPath;
        if (result.Interrupted)
        {
            reporter.Clear();
            context.Error.WriteLine($"train: interrupted in epoch {result.CompletedEpochs + 1} after {result.BatchesIntoEpoch} of {options.BatchesPerEpoch} batches; checkpoint saved to {Printable.Escape(checkpointPath, keepNewlines: false)}");
            context.Error.WriteLine($"train: resume with: {Commands.TrainCommand.ResumeCommand(checkpointPath, options.ThreadsText, options.Json)}");
            return context.InterruptedExitCode();
        }
        int code = finish(result, checkpointPath);
        if (result.AllocatedBytesPerStep >= 0)
            context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"train: {result.AllocatedBytesPerStep:N0} bytes allocated per steady-state training step"));
        context.Out.Flush();
        return code;
    }
}
