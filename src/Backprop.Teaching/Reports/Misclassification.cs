namespace Backprop.Teaching.Reports;

/// <summary>A test sample the model got wrong, and how sure it was of its wrong answer.</summary>
/// <param name="Index">The sample's position in the test set.</param>
/// <param name="TrueClass">Its label.</param>
/// <param name="PredictedClass">The model's most probable class.</param>
/// <param name="Confidence">The probability the model gave <paramref name="PredictedClass"/>.</param>
/// <param name="TrueClassProbability">The probability it gave the right class.</param>
public sealed record Misclassification(int Index, int TrueClass, int PredictedClass, double Confidence, double TrueClassProbability)
{
    /// <summary>
    /// The <paramref name="count"/> wrong predictions made with the highest confidence, most confident first; equal
    /// confidences keep test-set order. These are the mistakes most worth looking at: a mislabelled sample, or a
    /// pattern the model learned wrongly, rather than a genuinely ambiguous one.
    /// </summary>
    /// <exception cref="ArgumentException">The number of labels is not the number of samples.</exception>
    public static IReadOnlyList<Misclassification> MostConfident(ClassProbabilities probabilities, IReadOnlyList<int> labels, int count)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (labels.Count != probabilities.Count)
            throw new ArgumentException($"misclassifications: {labels.Count} labels for {probabilities.Count} samples");
        var wrong = new List<Misclassification>();
        for (int i = 0; i < labels.Count; i++)
        {
            int predicted = probabilities.Predicted(i);
            if (predicted == labels[i]) continue;
            var row = probabilities.Row(i);
            wrong.Add(new Misclassification(i, labels[i], predicted, row[predicted], labels[i] < row.Length ? row[labels[i]] : 0));
        }
        // OrderBy is stable, so ties stay in test-set order.
        return wrong.OrderByDescending(m => m.Confidence).Take(count).ToList();
    }
}
