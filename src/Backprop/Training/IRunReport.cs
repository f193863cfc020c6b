namespace Backprop.Training;

/// <summary>
/// A file a training run rewrites after every epoch from the metrics so far, such as a picture of the curves. The
/// trainer knows only this interface, so the library carries no drawing code; front ends supply the reports.
/// </summary>
public interface IRunReport
{
    /// <summary>The file's name inside the run directory.</summary>
    string FileName { get; }

    /// <summary>The file's text for the epochs finished so far.</summary>
    string Render(IReadOnlyList<EpochMetrics> history);
}
