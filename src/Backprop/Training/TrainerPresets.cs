using Backprop.Data;
using Backprop.NN;
using Backprop.Optim;

namespace Backprop.Training;

/// <summary>Ready-made trainers for common tasks; each is a <see cref="Trainer{TBatch}"/> with a loss function of its own.</summary>
public static class Trainer
{
    /// <summary>
    /// The classifier <c>backprop train</c> runs: <paramref name="train"/> shuffled every epoch by a generator seeded
    /// with <see cref="TrainerOptions.Seed"/> in batches of <see cref="TrainerOptions.BatchSize"/>, softmax
    /// cross-entropy of the model's logits [N, classes] against the labels, the <c>accuracy</c> metric, and
    /// <paramref name="test"/> evaluated after every epoch in batches of <see cref="TrainerOptions.EvaluationBatchSize"/>.
    /// The checkpoint records the sample shape and the number of classes (for <see cref="Serialization.Checkpoint.Load"/>).
    /// </summary>
    /// <param name="model">Batches [N, ..sample shape] to logits [N, classes].</param>
    /// <param name="optimizer">The optimizer over <paramref name="model"/>'s parameters.</param>
    /// <param name="train">The training set.</param>
    /// <param name="test">The set evaluated after every epoch, or null.</param>
    /// <param name="options">Epochs, batch size, seed, schedule, output.</param>
    public static Trainer<(Tensor Features, Tensor Label)> Classifier(Module<Tensor, Tensor> model, Optimizer optimizer, Dataset train, Dataset? test, TrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (train.Count == 0) throw new ArgumentException($"trainer: the training set '{train.Name}' is empty");
        if (test is not null && (!Shapes.Equal(test.SampleShape, train.SampleShape) || test.NumClasses != train.NumClasses))
            throw new ArgumentException(
                $"trainer: the test set '{test.Name}' ({Shapes.Format(test.SampleShape)}, {test.NumClasses} classes) does not match the training set '{train.Name}' ({Shapes.Format(train.SampleShape)}, {train.NumClasses} classes)");
        var batches = new DataLoader<(Tensor Features, Tensor Label)>(train, options.BatchSize, new Generator(options.Seed), prefetch: options.Prefetch);
        var validation = test is null || test.Count == 0 ? null : new DataLoader<(Tensor Features, Tensor Label)>(test, options.EvaluationBatchSize);
        options = options with { InputShape = options.InputShape ?? train.SampleShape, NumClasses = options.NumClasses ?? train.NumClasses };
        return new Trainer<(Tensor Features, Tensor Label)>(model, optimizer, batches, ClassificationLoss(model), options, validation);
    }

    /// <summary>
    /// The classifier's loss function: cross-entropy of <c>model.Forward(features)</c> against the int32 labels, with the
    /// number of right arg-max predictions recorded as <c>accuracy</c>. Features are converted to the parameters' dtype.
    /// </summary>
    public static Func<(Tensor Features, Tensor Label), MetricLog, Tensor> ClassificationLoss(Module<Tensor, Tensor> model)
    {
        ArgumentNullException.ThrowIfNull(model);
        // The input must have the parameters' dtype: a float64 model would otherwise promote every layer's output.
        DType dtype = model.Parameters() is [var first, ..] ? first.DType : DType.Float32;
        return (batch, metrics) =>
        {
            var x = batch.Features.DType == dtype ? batch.Features : batch.Features.To(dtype);
            var logits = model.Forward(x);
            int[] labels = LabelArray(batch.Label);
            metrics.Add(MetricLog.Accuracy, Evaluation.CountCorrect(logits, labels), labels.Length);
            return logits.CrossEntropy(labels);
        };
    }

    // A loader's label batch is an int32 tensor over an array of exactly its length: that array is used as it is, so a
    // step copies no labels (the batch stays valid until the loader's next batch, after the step).
    private static int[] LabelArray(Tensor labels)
    {
        if (labels.DType != DType.Int32 || labels.Rank != 1)
            throw new ArgumentException($"classification: labels must be int32 class indices of shape [batch], got {labels.DType.Name()} {Shapes.Format(labels.ShapeArray)}");
        return labels.IsContiguous && labels.Offset == 0 && labels.Data is int[] array && array.Length == labels.Numel ? array : labels.ToArray<int>();
    }
}
