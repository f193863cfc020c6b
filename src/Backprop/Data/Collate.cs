namespace Backprop.Data;

/// <summary>
/// Collate functions: how a <see cref="DataLoader{TBatch}"/> turns a list of samples into one batch. The default for
/// tensor samples and tuples of tensors is <see cref="Stack(IReadOnlyList{Tensor})"/>: each part stacked along a new
/// first axis, so samples [3, 32, 32] become a batch [N, 3, 32, 32] and 0-d labels a batch [N].
/// </summary>
public static class Collate
{
    /// <summary>Stacks samples of one shape and dtype along a new first axis into a new tensor (no graph is recorded).</summary>
    /// <exception cref="ArgumentException">The list is empty, or a sample differs in shape or dtype from the first (named by position).</exception>
    public static Tensor Stack(IReadOnlyList<Tensor> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0) throw new ArgumentException("collate: a batch needs at least one sample");
        var first = samples[0];
        var batch = new Tensor(Storage.NewUninitialized(first.DType, checked(samples.Count * first.Numel)), [samples.Count, .. first.ShapeArray], first.DType);
        var copy = new CopyRows { Samples = samples, Batch = batch };
        DTypeDispatch.RunAny(first.DType, ref copy);
        return batch;
    }

    /// <summary>Stacks each part of pair samples (such as features and label) into its own batch tensor.</summary>
    public static (Tensor, Tensor) Stack(IReadOnlyList<(Tensor, Tensor)> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        return (Part(samples, s => s.Item1, "first"), Part(samples, s => s.Item2, "second"));
    }

    /// <summary>Stacks each part of triple samples (such as two inputs and a target) into its own batch tensor.</summary>
    public static (Tensor, Tensor, Tensor) Stack(IReadOnlyList<(Tensor, Tensor, Tensor)> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        return (Part(samples, s => s.Item1, "first"), Part(samples, s => s.Item2, "second"), Part(samples, s => s.Item3, "third"));
    }

    private static Tensor Part<TSample>(IReadOnlyList<TSample> samples, Func<TSample, Tensor> part, string name)
    {
        var tensors = new Tensor[samples.Count];
        for (int i = 0; i < tensors.Length; i++) tensors[i] = part(samples[i]) ?? throw new ArgumentException($"collate: the {name} part of sample {i} is null");
        try { return Stack(tensors); }
        catch (ArgumentException e) { throw new ArgumentException($"collate: the {name} parts: {e.Message["collate: ".Length..]}", e); }
    }

    /// <summary>
    /// The default collate for <typeparamref name="TSample"/>: <see cref="Stack(IReadOnlyList{Tensor})"/> for
    /// <see cref="Tensor"/>, <c>(Tensor, Tensor)</c> and <c>(Tensor, Tensor, Tensor)</c>; null for any other type
    /// (a loader over such samples needs a collate function of its own).
    /// </summary>
    public static Func<IReadOnlyList<TSample>, TSample>? Default<TSample>()
    {
        object? collate = typeof(TSample) == typeof(Tensor) ? (Func<IReadOnlyList<Tensor>, Tensor>)Stack
            : typeof(TSample) == typeof((Tensor, Tensor)) ? (Func<IReadOnlyList<(Tensor, Tensor)>, (Tensor, Tensor)>)Stack
            : typeof(TSample) == typeof((Tensor, Tensor, Tensor)) ? (Func<IReadOnlyList<(Tensor, Tensor, Tensor)>, (Tensor, Tensor, Tensor)>)Stack
            : null;
        return (Func<IReadOnlyList<TSample>, TSample>?)collate;
    }

    private struct CopyRows : IAnyDTypeAction
    {
        public IReadOnlyList<Tensor> Samples;
        public Tensor Batch;

        public readonly void Invoke<T>() where T : unmanaged
        {
            var first = Samples[0];
            var target = Batch.Span<T>();
            int size = first.Numel;
            for (int i = 0; i < Samples.Count; i++)
            {
                var sample = Samples[i];
                if (sample.DType != first.DType || !Shapes.Equal(sample.ShapeArray, first.ShapeArray))
                    throw new ArgumentException(
                        $"collate: sample {i} is {sample.DType.Name()} {Shapes.Format(sample.ShapeArray)}, but sample 0 is {first.DType.Name()} {Shapes.Format(first.ShapeArray)}; stacking needs one shape and dtype");
                sample.AsSpan<T>().CopyTo(target.Slice(i * size, size));
            }
        }
    }
}
