using Backprop.Data;
using Backprop.NN;

namespace Backprop.Teaching.Reports;

/// <summary>
/// What a trained classifier does on its test set, for the report: the confusion matrix, the mistakes it was most
/// sure of, saliency maps for one test image per class, and its first layer's weights as pictures — each part that
/// does not apply (no images, no suitable first layer) with the reason.
/// </summary>
public sealed class ClassifierFindings
{
    private ClassifierFindings() { }

    /// <summary>The name of each class, indexed by label.</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }
    /// <summary>The test set's name, e.g. "digits-test".</summary>
    public required string TestSetName { get; init; }
    /// <summary>True class against predicted class over the whole test set.</summary>
    public required ConfusionMatrix Confusion { get; init; }
    /// <summary>The most confident mistakes, most confident first.</summary>
    public required IReadOnlyList<Misclassification> Misclassified { get; init; }
    /// <summary>The test samples as pictures; null when they are not images (<see cref="ImagesAbsentReason"/>).</summary>
    public SampleImages? Images { get; init; }
    /// <summary>Why <see cref="Images"/> is null; empty otherwise.</summary>
    public string ImagesAbsentReason { get; init; } = "";
    /// <summary>Input gradients of the predicted class's score; empty without images.</summary>
    public required IReadOnlyList<SaliencyMap> Saliency { get; init; }
    /// <summary>The first layer's weights as tiles; null when there is no picture of them (<see cref="WeightsAbsentReason"/>).</summary>
    public FirstLayerWeights? Weights { get; init; }
    /// <summary>Why <see cref="Weights"/> is null; empty otherwise.</summary>
    public string WeightsAbsentReason { get; init; } = "";

    /// <summary>Runs <paramref name="model"/> over <paramref name="test"/> (evaluation mode, returned to its mode after) and gathers the findings.</summary>
    /// <param name="model">A classifier whose output is [batch, classes] scores.</param>
    /// <param name="test">The labelled test samples, as the model takes them.</param>
    /// <param name="classNames">One name per class the model predicts.</param>
    /// <param name="inputShape">The shape of one sample the model expects; by default the data set's.</param>
    /// <param name="standardization">The standardisation applied to <paramref name="test"/>, undone to draw the samples; null if none.</param>
    /// <param name="mistakes">How many of the most confident mistakes to keep.</param>
    /// <param name="saliencyMaps">How many saliency maps (one test image per class, up to this many).</param>
    /// <param name="batchSize">Samples per forward pass over the test set.</param>
    /// <param name="cancellation">Checked between batches.</param>
    /// <exception cref="ArgumentException">The test set is empty, or the class names do not match the model's outputs.</exception>
    public static ClassifierFindings Analyze(Module<Tensor, Tensor> model, Dataset test, IReadOnlyList<string> classNames,
        int[]? inputShape = null, Standardization? standardization = null, int mistakes = 12, int saliencyMaps = 10,
        int batchSize = 256, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(classNames);
        if (test.Count == 0) throw new ArgumentException($"report: test set '{test.Name}' has no samples");
        inputShape ??= test.SampleShape;
        var probabilities = ClassProbabilities.Compute(model, test, inputShape, batchSize, cancellation);
        if (classNames.Count != probabilities.NumClasses)
            throw new ArgumentException($"report: {classNames.Count} class names for a model with {probabilities.NumClasses} outputs");
        var images = SampleImages.Of(test, inputShape, standardization, out string imagesAbsent);
        var weights = FirstLayerWeights.Find(model, inputShape, out string weightsAbsent);
        return new ClassifierFindings
        {
            ClassNames = classNames,
            TestSetName = test.Name,
            Confusion = ConfusionMatrix.Count(test.Labels, probabilities.PredictedClasses(), probabilities.NumClasses),
            Misclassified = Misclassification.MostConfident(probabilities, test.Labels, mistakes),
            Images = images,
            ImagesAbsentReason = imagesAbsent,
            Saliency = images is null ? [] : SaliencyMap.Compute(model, test, SaliencyMap.FirstOfEachClass(test, saliencyMaps), inputShape),
            Weights = weights,
            WeightsAbsentReason = weightsAbsent,
        };
    }
}
