using Backprop.Teaching.Reports;

namespace Backprop.Tests.Reports;

public class MisclassificationTests
{
    // Logits are the rows themselves (identity model). Worked out by hand, with softmax(z)_max = 1 / Σ exp(z − z_max):
    //   0: (5, 0, 0) label 0 → right
    //   1: (0, 3, 0) label 0 → predicted 1, confidence 1/(1 + 2e⁻³)   = 0.9094
    //   2: (0, 0, 1) label 1 → predicted 2, confidence 1/(1 + 2e⁻¹)   = 0.5761
    //   3: (4, 0, 0) label 2 → predicted 0, confidence 1/(1 + 2e⁻⁴)   = 0.9647
    //   4: (0, 3, 0) label 2 → predicted 1, the same confidence as sample 1: after it (test-set order)
    //   5: (0, 0, 2) label 2 → right
    private static readonly float[][] Rows = [[5, 0, 0], [0, 3, 0], [0, 0, 1], [4, 0, 0], [0, 3, 0], [0, 0, 2]];
    private static readonly int[] Labels = [0, 0, 1, 2, 2, 2];

    private static ClassProbabilities Probabilities() =>
        ClassProbabilities.Compute(ReportModels.IdentityLinear(3), ReportModels.Rows(Rows, Labels, 3));

    [Fact]
    public void Mistakes_come_most_confident_first_and_ties_keep_test_set_order()
    {
        var mistakes = Misclassification.MostConfident(Probabilities(), Labels, 10);
        Assert.Equal([3, 1, 4, 2], mistakes.Select(m => m.Index));
        Assert.Equal([2, 0, 2, 1], mistakes.Select(m => m.TrueClass));
        Assert.Equal([0, 1, 1, 2], mistakes.Select(m => m.PredictedClass));
        Assert.Equal(1 / (1 + 2 * Math.Exp(-4)), mistakes[0].Confidence, 6);
        Assert.Equal(1 / (1 + 2 * Math.Exp(-3)), mistakes[1].Confidence, 6);
        Assert.Equal(1 / (1 + 2 * Math.Exp(-1)), mistakes[3].Confidence, 6);
        // The true class's share of sample 3 (4, 0, 0) labelled 2: e⁰ / (e⁴ + 2).
        Assert.Equal(1 / (Math.Exp(4) + 2), mistakes[0].TrueClassProbability, 6);
    }

    [Fact]
    public void Only_the_requested_number_is_kept_and_right_answers_never_appear()
    {
        Assert.Equal([3, 1], Misclassification.MostConfident(Probabilities(), Labels, 2).Select(m => m.Index));
        Assert.Empty(Misclassification.MostConfident(Probabilities(), Labels, 0));
        int[] allRight = [0, 1, 2, 0, 1, 2];
        Assert.Empty(Misclassification.MostConfident(Probabilities(), allRight, 10));
        Assert.Throws<ArgumentException>(() => Misclassification.MostConfident(Probabilities(), [0, 1], 10));
    }
}
