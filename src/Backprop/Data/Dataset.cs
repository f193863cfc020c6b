namespace Backprop.Data;

/// <summary>
/// An in-memory labelled data set: <see cref="Count"/> samples, each <see cref="SampleSize"/> floats stored
/// row-major one after another in <see cref="Features"/>, and one class label per sample in <see cref="Labels"/>.
/// </summary>
/// <remarks>
/// <para>
/// Shape convention: <see cref="SampleShape"/> is the shape of one sample, without the batch dimension.
/// Images are [channels, height, width] — [1, 28, 28] for MNIST, [1, 8, 8] for the digits — so a batch is
/// [N, C, H, W], the layout convolutions expect. Plain feature vectors are [features], e.g. [2] or [64].
/// </para>
/// <para>
/// The arrays are held by reference, not copied: a data set built on an array sees changes made to it.
/// Methods that transform values (<see cref="Scaled"/>, <see cref="Standardized"/>, <see cref="Subset"/>)
/// return a new data set with new arrays and leave this one unchanged; <see cref="Flattened"/> shares them.
/// </para>
/// <para>
/// As an <see cref="IDataset{TSample}"/>, sample i is (features [..SampleShape] float32, label 0-d int32), so a
/// <see cref="DataLoader{TBatch}"/> over it yields (features [B, ..SampleShape], labels [B]) batches, gathered
/// straight from the arrays.
/// </para>
/// </remarks>
public sealed class Dataset : IDataset<(Tensor Features, Tensor Label)>, ITensorColumns<(Tensor Features, Tensor Label)>
{
    private readonly int[] _sampleShape;
    private Tensor[]? _columns;

    /// <summary>
    /// Creates a data set over the given arrays (not copied). Validates that the sizes agree and that every
    /// label is in [0, <paramref name="numClasses"/>).
    /// </summary>
    /// <param name="name">A name for messages and reports, e.g. "digits-train".</param>
    /// <param name="features">Count × SampleSize values, sample after sample.</param>
    /// <param name="labels">One class index per sample.</param>
    /// <param name="sampleShape">The shape of one sample; its product is <see cref="SampleSize"/>.</param>
    /// <param name="numClasses">The number of classes; every label must be below it.</param>
    /// <exception cref="ArgumentException">Sizes disagree, a dimension is not positive, or a label is out of range (the message names the row).</exception>
    public Dataset(string name, float[] features, int[] labels, int[] sampleShape, int numClasses)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(sampleShape);
        if (sampleShape.Length == 0)
        {
            throw new ArgumentException($"Data set '{name}': the sample shape must have at least one dimension.", nameof(sampleShape));
        }
        long sampleSize = 1;
        foreach (int dimension in sampleShape)
        {
            if (dimension <= 0)
            {
                throw new ArgumentException($"Data set '{name}': sample shape [{string.Join(", ", sampleShape)}] has a dimension that is not positive.", nameof(sampleShape));
            }
            sampleSize *= dimension;
        }
        if (numClasses <= 0)
        {
            throw new ArgumentException($"Data set '{name}': the number of classes must be positive, but was {numClasses}.", nameof(numClasses));
        }
        if (features.LongLength != labels.LongLength * sampleSize)
        {
            throw new ArgumentException(
                $"Data set '{name}': {labels.Length} labels of samples with shape [{string.Join(", ", sampleShape)}] need {labels.LongLength * sampleSize} feature values, but {features.Length} were given.",
                nameof(features));
        }
        for (int row = 0; row < labels.Length; row++)
        {
            if ((uint)labels[row] >= (uint)numClasses)
            {
                throw new ArgumentException(
                    $"Data set '{name}': the label of row {row} (0-based) is {labels[row]}, outside [0, {numClasses}).",
                    nameof(labels));
            }
        }

        Name = name;
        Features = features;
        Labels = labels;
        _sampleShape = (int[])sampleShape.Clone();
        SampleSize = (int)sampleSize;
        NumClasses = numClasses;
    }

    /// <summary>A name for messages and reports.</summary>
    public string Name { get; }

    /// <summary>All features, <see cref="Count"/> × <see cref="SampleSize"/> values, row-major (sample i starts at i · SampleSize).</summary>
    public float[] Features { get; }

    /// <summary>The class index of each sample, in [0, <see cref="NumClasses"/>).</summary>
    public int[] Labels { get; }

    /// <summary>A copy of the shape of one sample, without the batch dimension (images: [1, H, W]).</summary>
    public int[] SampleShape => (int[])_sampleShape.Clone();

    /// <summary>The number of values in one sample: the product of <see cref="SampleShape"/>.</summary>
    public int SampleSize { get; }

    /// <summary>The number of samples.</summary>
    public int Count => Labels.Length;

    /// <summary>The number of classes; labels are in [0, NumClasses).</summary>
    public int NumClasses { get; }

    /// <summary>The features of sample <paramref name="index"/> (a view into <see cref="Features"/>).</summary>
    public ReadOnlySpan<float> GetSample(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        return Features.AsSpan(index * SampleSize, SampleSize);
    }

    /// <summary>Sample <paramref name="index"/> as tensors: a copy of its features [..SampleShape] and its label (0-d int32).</summary>
    public (Tensor Features, Tensor Label) this[int index] =>
        (new Tensor(GetSample(index).ToArray(), SampleShape, DType.Float32), new Tensor(new[] { Labels[index] }, Shapes.Scalar, DType.Int32));

    // The arrays themselves as [Count, ..SampleShape] and [Count] tensors (no copy), for gathering batches.
    IReadOnlyList<Tensor> ITensorColumns<(Tensor Features, Tensor Label)>.Columns => _columns ??=
    [
        new Tensor(Features, [Count, .. _sampleShape], DType.Float32),
        new Tensor(Labels, [Count], DType.Int32),
    ];

    (Tensor Features, Tensor Label) ITensorColumns<(Tensor Features, Tensor Label)>.Pack(Tensor[] columns) => (columns[0], columns[1]);

    /// <summary>The number of samples of each class (length <see cref="NumClasses"/>).</summary>
    public int[] CountPerClass()
    {
        var counts = new int[NumClasses];
        foreach (int label in Labels)
        {
            counts[label]++;
        }
        return counts;
    }

    /// <summary>A new data set holding copies of the given samples, in the given order (repeats allowed).</summary>
    /// <param name="indices">Row numbers into this data set.</param>
    /// <param name="name">The new name; by default this one's.</param>
    public Dataset Subset(ReadOnlySpan<int> indices, string? name = null)
    {
        var features = new float[(long)indices.Length * SampleSize];
        var labels = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            int row = indices[i];
            if ((uint)row >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), $"Index {row} at position {i} is outside data set '{Name}' of {Count} samples.");
            }
            Features.AsSpan(row * SampleSize, SampleSize).CopyTo(features.AsSpan(i * SampleSize, SampleSize));
            labels[i] = Labels[row];
        }
        return new Dataset(name ?? Name, features, labels, _sampleShape, NumClasses);
    }

    /// <summary>
    /// Splits into a training and a test part with the class proportions of the whole (stratified), deterministically.
    /// </summary>
    /// <remarks>
    /// Exactly: a <see cref="Generator"/> is created from <paramref name="seed"/>. For each class c = 0, 1, …, in
    /// order, the row numbers of that class (ascending) are shuffled with <see cref="Generator.Shuffle{T}(Span{T})"/>
    /// and the first k_c of them go to the test part, where k_c = round(n_c · <paramref name="testFraction"/>),
    /// halves rounded up, then clamped to [1, n_c − 1] when the class has n_c ≥ 2 samples (so every such class is in
    /// both parts). Both parts keep the original row order. Names are "{Name}-train" and "{Name}-test".
    /// </remarks>
    /// <param name="testFraction">The share of each class that goes to the test part, in (0, 1).</param>
    /// <param name="seed">Seed of the generator that picks the test samples.</param>
    public (Dataset Train, Dataset Test) StratifiedSplit(double testFraction, ulong seed)
    {
        if (!(testFraction > 0 && testFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), $"The test fraction must be in (0, 1), but was {testFraction}.");
        }
        return SplitByClass(seed, classSize =>
        {
            int testCount = (int)Math.Round(classSize * testFraction, MidpointRounding.AwayFromZero);
            return classSize >= 2 ? Math.Clamp(testCount, 1, classSize - 1) : testCount;
        });
    }

    /// <summary>
    /// Splits with the same procedure as <see cref="StratifiedSplit"/>, but taking exactly
    /// <paramref name="testPerClass"/> samples of every class for the test part.
    /// </summary>
    /// <exception cref="ArgumentException">A class has fewer than <paramref name="testPerClass"/> samples.</exception>
    public (Dataset Train, Dataset Test) StratifiedSplitPerClass(int testPerClass, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(testPerClass);
        return SplitByClass(seed, classSize => classSize >= testPerClass
            ? testPerClass
            : throw new ArgumentException($"Data set '{Name}' has a class with {classSize} samples, fewer than the {testPerClass} requested per class for the test part.", nameof(testPerClass)));
    }

    private (Dataset Train, Dataset Test) SplitByClass(ulong seed, Func<int, int> testCountOfClass)
    {
        var generator = new Generator(seed);
        // Rows grouped by class (ascending), each group in row order: sorting (label, row) keys costs O(Count log Count)
        // whatever NumClasses is, where a list per class would allocate in proportion to the class count.
        var keys = new long[Count];
        for (int row = 0; row < Count; row++)
        {
            keys[row] = ((long)Labels[row] << 32) | (uint)row;
        }
        Array.Sort(keys);

        var isTest = new bool[Count];
        int classesSeen = 0;
        for (int start = 0; start < Count; classesSeen++)
        {
            int end = start;
            while (end < Count && keys[end] >> 32 == keys[start] >> 32)
            {
                end++;
            }
            int[] rows = new int[end - start];
            for (int i = 0; i < rows.Length; i++)
            {
                rows[i] = (int)(keys[start + i] & 0xFFFF_FFFF);
            }
            generator.Shuffle(rows.AsSpan());
            int testCount = testCountOfClass(rows.Length);
            for (int i = 0; i < testCount; i++)
            {
                isTest[rows[i]] = true;
            }
            start = end;
        }
        if (classesSeen < NumClasses)
        {
            testCountOfClass(0); // an empty class is still asked about: a fixed count per class cannot be met by it
        }

        var trainRows = new List<int>(Count);
        var testRows = new List<int>();
        for (int row = 0; row < Count; row++)
        {
            (isTest[row] ? testRows : trainRows).Add(row);
        }
        return (Subset(trainRows.ToArray(), Name + "-train"), Subset(testRows.ToArray(), Name + "-test"));
    }

    /// <summary>A new data set with every feature multiplied by <paramref name="factor"/> (e.g. 1/255 for bytes to [0, 1]).</summary>
    public Dataset Scaled(float factor)
    {
        var features = new float[Features.Length];
        System.Numerics.Tensors.TensorPrimitives.Multiply(Features, factor, features);
        return new Dataset(Name, features, (int[])Labels.Clone(), _sampleShape, NumClasses);
    }

    /// <summary>
    /// A new data set standardised with statistics fitted elsewhere — normally on the training set, so that the
    /// test set is transformed exactly like the data the model learned from. Same as <see cref="Standardization.Apply"/>.
    /// </summary>
    public Dataset Standardized(Standardization standardization)
    {
        ArgumentNullException.ThrowIfNull(standardization);
        return standardization.Apply(this);
    }

    /// <summary>
    /// This data set with the sample shape [<see cref="SampleSize"/>] (e.g. [1, 28, 28] → [784]) for
    /// fully-connected models. Shares the arrays with this one (no copy).
    /// </summary>
    public Dataset Flattened() => new(Name, Features, Labels, [SampleSize], NumClasses);

    /// <inheritdoc />
    public override string ToString() =>
        $"{Name}: {Count} samples of shape [{string.Join(", ", _sampleShape)}], {NumClasses} classes";
}
