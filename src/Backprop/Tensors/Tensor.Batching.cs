namespace Backprop;

// The batched tensors of Functional.Vmap: one example's view of a whole batch (see Batching).
public sealed partial class Tensor
{
    private static readonly float[] NoFloats = [];
    private static readonly double[] NoDoubles = [];
    private static readonly int[] NoInts = [];

    /// <summary>
    /// For a tensor that the function of a <see cref="Functional.Vmap(Func{Tensor, Tensor}, int, int)"/> sees: the
    /// level and the whole batch behind it. Null for every ordinary tensor.
    /// </summary>
    internal readonly BatchedValue? Batched;

    // Shape: one example's (the physical tensor's without its leading batch axis). Storage: an empty stand-in whose
    // lease never matches, so any operator without a batching rule that reads the values is stopped by CheckAlive
    // before it reads anything, and Vmap falls back to running the function once per example.
    private Tensor(VmapLevel level, Tensor physical)
        : this(physical.DType switch { DType.Float32 => NoFloats, DType.Float64 => NoDoubles, _ => NoInts }, 0,
            physical.ShapeArray[1..], Shapes.ContiguousStrides(physical.ShapeArray[1..]), physical.DType, level.Sentinel, 0)
    {
        Batched = new BatchedValue(level, physical);
    }

    /// <summary>The batched tensor of <paramref name="level"/> over <paramref name="physical"/>, whose axis 0 is the batch.</summary>
    internal static Tensor MakeBatched(VmapLevel level, Tensor physical) => new(level, physical);
}
