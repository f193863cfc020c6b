using Backprop.Data;
using Backprop.NN;
using Backprop.Serialization;
using Backprop.Teaching.Reports;
using Backprop.Training;

namespace Backprop.Cli.Inference;

/// <summary>
/// Writes the training report of a classifier (`train`'s report.html, `eval --report FILE`): the curves from the
/// history, and the findings on the test set. The file is written atomically: a crash leaves the old one or none.
/// </summary>
public static class ClassifierReport
{
    /// <summary>Analyses <paramref name="model"/> on <paramref name="test"/> and writes the page to <paramref name="path"/>.</summary>
    /// <param name="path">The HTML file.</param>
    /// <param name="title">The page's heading.</param>
    /// <param name="facts">The summary lines.</param>
    /// <param name="history">The epochs' figures, or null (<paramref name="historyAbsentReason"/> says why).</param>
    /// <param name="historyAbsentReason">Shown in place of the curves when <paramref name="history"/> is null.</param>
    /// <param name="model">The classifier.</param>
    /// <param name="test">Its test set, standardised as the model takes it.</param>
    /// <param name="inputShape">The shape of one sample the model takes.</param>
    /// <param name="classNames">The class names, one per output.</param>
    /// <param name="standardization">The standardisation applied to <paramref name="test"/> (undone to draw it), or null.</param>
    /// <param name="cancellation">Stops the test-set pass.</param>
    public static void Write(string path, string title, IReadOnlyList<ReportFact> facts, IReadOnlyList<EpochMetrics>? history, string historyAbsentReason,
        Module<Tensor, Tensor> model, Dataset test, int[] inputShape, IReadOnlyList<string> classNames, Standardization? standardization, CancellationToken cancellation)
    {
        // A CSV file with very few rows per class can leave the test split empty; training runs without one.
        var findings = test.Count == 0 ? null
            : UserErrors.AtCall(() => ClassifierFindings.Analyze(model, test, classNames, inputShape, standardization, cancellation: cancellation));
        var report = new TrainingReport
        {
            Title = title,
            Facts = facts,
            History = history,
            HistoryAbsentReason = historyAbsentReason,
            Classifier = findings,
            ClassifierAbsentReason = findings is null ? $"the test set '{test.Name}' has no samples, so there is nothing to classify" : "",
        };
        AtomicFile.WriteAllText(path, report.ToHtml());
    }
}
