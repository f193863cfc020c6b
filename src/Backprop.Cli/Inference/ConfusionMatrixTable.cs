using System.Globalization;
using Backprop.NN;

namespace Backprop.Cli.Inference;

/// <summary>
/// Writes an <see cref="Evaluation"/>'s confusion matrix as an aligned text table: one row per true class, one
/// column per predicted class, then the row's recall (diagonal over row sum; "-" for a class with no samples).
/// </summary>
public static class ConfusionMatrixTable
{
    /// <summary>Writes the table; <paramref name="classNames"/>, when given, are appended to the row labels.</summary>
    public static void Write(TextWriter output, Evaluation evaluation, IReadOnlyList<string>? classNames = null)
    {
        int n = evaluation.NumClasses;
        string[] rowLabels = Enumerable.Range(0, n)
            .Select(c => classNames is not null && c < classNames.Count ? $"{c} {classNames[c]}" : c.ToString(CultureInfo.InvariantCulture))
            .ToArray();
        const string corner = "true \\ predicted";
        int labelWidth = Math.Max(corner.Length, rowLabels.Max(l => l.Length));
        int largest = 0;
        for (int t = 0; t < n; t++)
            for (int p = 0; p < n; p++) largest = Math.Max(largest, evaluation.Count(t, p));
        int cellWidth = Math.Max(largest.ToString(CultureInfo.InvariantCulture).Length, (n - 1).ToString(CultureInfo.InvariantCulture).Length) + 2;

        output.Write(corner.PadRight(labelWidth));
        for (int p = 0; p < n; p++) output.Write(p.ToString(CultureInfo.InvariantCulture).PadLeft(cellWidth));
        output.WriteLine("   recall");
        for (int t = 0; t < n; t++)
        {
            output.Write(classNames is null ? rowLabels[t].PadLeft(labelWidth) : rowLabels[t].PadRight(labelWidth));
            for (int p = 0; p < n; p++) output.Write(evaluation.Count(t, p).ToString(CultureInfo.InvariantCulture).PadLeft(cellWidth));
            double recall = evaluation.Recall(t);
            output.WriteLine(double.IsNaN(recall) ? "        -" : string.Create(CultureInfo.InvariantCulture, $"   {recall,6:0.0000}"));
        }
    }
}
