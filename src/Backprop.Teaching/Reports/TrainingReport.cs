using Backprop.Training;

namespace Backprop.Teaching.Reports;

/// <summary>
/// Everything <c>report.html</c> shows about a training run: a title and summary, the loss and accuracy per epoch,
/// and for a classifier its <see cref="ClassifierFindings"/>. A part that is missing carries the reason, which the
/// page shows in its place. <see cref="TrainingReportHtml"/> draws it.
/// </summary>
public sealed class TrainingReport
{
    /// <summary>The file name `backprop train` writes beside curves.svg.</summary>
    public const string DefaultFileName = "report.html";

    /// <summary>The page's heading, e.g. "digits · mlp:256,128".</summary>
    public required string Title { get; init; }

    /// <summary>The summary lines under the heading: data, model, epochs, accuracy, ...</summary>
    public IReadOnlyList<ReportFact> Facts { get; init; } = [];

    /// <summary>The finished epochs' figures, or null when they are not known (<see cref="HistoryAbsentReason"/>).</summary>
    public IReadOnlyList<EpochMetrics>? History { get; init; }

    /// <summary>Why <see cref="History"/> is null.</summary>
    public string HistoryAbsentReason { get; init; } = "the training history is not recorded";

    /// <summary>What the curves call the held-out data measured after each epoch: "test", or "validation".</summary>
    public string EvaluationSetName { get; init; } = "test";

    /// <summary>What the classifier does on its test set; null when the model is not an image or feature classifier (<see cref="ClassifierAbsentReason"/>).</summary>
    public ClassifierFindings? Classifier { get; init; }

    /// <summary>Why <see cref="Classifier"/> is null: shown in place of the confusion matrix, mistakes, saliency and weights.</summary>
    public string ClassifierAbsentReason { get; init; } = "";

    /// <summary>The page: one self-contained HTML document.</summary>
    public string ToHtml() => TrainingReportHtml.Render(this);
}
