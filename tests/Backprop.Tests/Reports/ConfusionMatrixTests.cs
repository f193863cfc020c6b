using Backprop.Teaching.Reports;

namespace Backprop.Tests.Reports;

public class ConfusionMatrixTests
{
    // Seven samples, worked out by hand: rows true class, columns predicted.
    //            predicted 0  1  2  3
    //   true 0            1  1  0  0     (samples 0, 1)
    //   true 1            0  2  1  0     (samples 2, 3, 4)
    //   true 2            1  0  1  0     (samples 5, 6)
    //   true 3            0  0  0  0     (no sample)
    private static readonly int[] Labels = [0, 0, 1, 1, 1, 2, 2];
    private static readonly int[] Predicted = [0, 1, 1, 1, 2, 2, 0];

    [Fact]
    public void Counts_support_recall_and_trace_match_the_hand_computed_matrix()
    {
        var matrix = ConfusionMatrix.Count(Labels, Predicted, 4);
        int[,] expected = { { 1, 1, 0, 0 }, { 0, 2, 1, 0 }, { 1, 0, 1, 0 }, { 0, 0, 0, 0 } };
        for (int t = 0; t < 4; t++)
            for (int p = 0; p < 4; p++)
                Assert.Equal(expected[t, p], matrix.Count(t, p));
        Assert.Equal(7, matrix.Total);
        Assert.Equal(4, matrix.Correct);
        Assert.Equal(2, matrix.Largest);
        Assert.Equal([2, 3, 2, 0], Enumerable.Range(0, 4).Select(matrix.Support));
        Assert.Equal(0.5, matrix.Recall(0));
        Assert.Equal(2.0 / 3, matrix.Recall(1));
        Assert.True(double.IsNaN(matrix.Recall(3)));
    }

    [Fact]
    public void A_class_outside_the_matrix_or_a_missing_prediction_is_refused()
    {
        var outside = Assert.Throws<ArgumentException>(() => ConfusionMatrix.Count([0, 3], [0, 1], 3));
        Assert.Contains("sample 1 has label 3", outside.Message);
        var negative = Assert.Throws<ArgumentException>(() => ConfusionMatrix.Count([0, 1], [-1, 1], 3));
        Assert.Contains("prediction -1", negative.Message);
        var lengths = Assert.Throws<ArgumentException>(() => ConfusionMatrix.Count([0, 1], [0], 3));
        Assert.Contains("2 labels but 1 predictions", lengths.Message);
    }
}
