using Backprop.Data;
using Backprop.NN;

namespace Backprop.Training;

/// <summary>Loss and accuracy of a classifier over a whole data set, in evaluation mode and without recording gradients.</summary>
public static class ModelEvaluation
{
    /// <summary>
    /// The mean cross-entropy and the share of samples whose highest logit is the label. The model is switched to
    /// evaluation mode (dropout off, batch norm on running statistics) and back to the mode it was in.
    /// </summary>
    public static (double Loss, double Accuracy) Evaluate(Module model, Dataset data, int batchSize = 250)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (data.Count == 0) return (double.NaN, double.NaN);
        bool wasTraining = model.IsTraining;
        model.Eval();
        try
        {
            using var noGrad = Autograd.NoGrad();
            double lossSum = 0;
            long correct = 0;
            // The data set's own order: evaluation needs no shuffle, so no generator is touched.
            foreach (var batch in new DataLoader(data, batchSize))
            {
                using var scope = TensorScope.Begin();
                var logits = model.Forward(Tensor.Wrap(batch.Features, batch.Shape));
                lossSum += logits.CrossEntropy(batch.Labels).Item() * batch.Count;
                correct += CountCorrect(logits, batch.Labels);
            }
            return (lossSum / data.Count, (double)correct / data.Count);
        }
        finally
        {
            model.Train(wasTraining);
        }
    }

    /// <summary>How many rows of <paramref name="logits"/> [N, classes] have their maximum at the label's index.</summary>
    public static int CountCorrect(Tensor logits, int[] labels)
    {
        using var noGrad = Autograd.NoGrad();
        var predicted = logits.ArgMax(1).AsSpan<int>();
        int correct = 0;
        for (int i = 0; i < labels.Length; i++) if (predicted[i] == labels[i]) correct++;
        return correct;
    }
}
