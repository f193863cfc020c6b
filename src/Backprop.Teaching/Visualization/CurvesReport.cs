using Backprop.Training;

namespace Backprop.Teaching.Visualization;

/// <summary>
/// <c>curves.svg</c> of a training run: train and test loss on the left, train and test accuracy on the right,
/// rewritten by the trainer after every epoch.
/// </summary>
public sealed class CurvesReport(string title) : IRunReport
{
    /// <summary>The file name the CLI's runs use.</summary>
    public const string DefaultFileName = "curves.svg";

    /// <inheritdoc/>
    public string FileName => DefaultFileName;

    /// <summary>The figure's title.</summary>
    public string Title => title;

    /// <inheritdoc/>
    public string Render(IReadOnlyList<EpochMetrics> history)
    {
        CurveSeries Series(string name, CurvePanel panel, Func<EpochMetrics, double> value) =>
            new(name, panel, history.Select(m => new CurvePoint(m.Epoch, value(m))).ToList());
        return CurvesSvg.Render(title,
        [
            Series("train loss", CurvePanel.Loss, m => m.TrainLoss),
            Series("test loss", CurvePanel.Loss, m => m.TestLoss),
            Series("train accuracy", CurvePanel.Accuracy, m => m.TrainAccuracy),
            Series("test accuracy", CurvePanel.Accuracy, m => m.TestAccuracy),
        ]);
    }
}
