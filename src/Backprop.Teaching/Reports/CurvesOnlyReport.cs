using Backprop.Training;

namespace Backprop.Teaching.Reports;

/// <summary>
/// <c>report.html</c> for a model that is not an image or feature classifier (a language model, say): the curves
/// only, rewritten by the trainer after every epoch like curves.svg, and in place of the other sections the reason
/// they do not apply.
/// </summary>
/// <param name="title">The page's heading.</param>
/// <param name="facts">The summary lines.</param>
/// <param name="notApplicableReason">Why there is no confusion matrix, mistakes, saliency or weight pictures.</param>
/// <param name="evaluationSetName">What the curves call the held-out data: "test" or "validation".</param>
public sealed class CurvesOnlyReport(string title, IReadOnlyList<ReportFact> facts, string notApplicableReason, string evaluationSetName = "validation") : IRunReport
{
    /// <inheritdoc/>
    public string FileName => TrainingReport.DefaultFileName;

    /// <inheritdoc/>
    public string Render(IReadOnlyList<EpochMetrics> history) => new TrainingReport
    {
        Title = title,
        Facts = facts,
        History = history,
        EvaluationSetName = evaluationSetName,
        ClassifierAbsentReason = notApplicableReason,
    }.ToHtml();
}
