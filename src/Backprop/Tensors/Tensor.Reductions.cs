using Backprop.Ops;

namespace Backprop;

// Reductions, the matrix product and the losses built on them.
public sealed partial class Tensor
{
    /// <summary>The sum of all elements (0-d).</summary>
    public Tensor Sum() => SumOp.Apply(this, -1, all: true);

    /// <summary>The sum along the given axes (all when none are given).</summary>
    public Tensor Sum(int axis, bool keepDim = false) => Sum([axis], keepDim);

    /// <inheritdoc cref="Sum(int, bool)"/>
    public Tensor Sum(int[] axes, bool keepDim = false)
    {
        if (axes.Length == 0) return keepDim ? Sum().Reshape(OnesShape()) : Sum();
        var ax = Shapes.NormalizeAxes("sum", axes, Rank);
        var t = this;
        for (int i = ax.Length - 1; i >= 0; i--) t = SumOp.Apply(t, ax[i], all: false);
        return keepDim ? t : t.Reshape(Drop(ax));
    }

    /// <summary>The mean of all elements (0-d); NaN for an empty tensor (0 · 1/0), as PyTorch.</summary>
    public Tensor Mean() => MeanOp.Trace(Sum() * (1.0 / Numel), this, [], keepDim: false);

    /// <summary>The mean along the given axes (NaN along an empty axis).</summary>
    public Tensor Mean(int axis, bool keepDim = false) => Mean([axis], keepDim);

    /// <inheritdoc cref="Mean(int, bool)"/>
    public Tensor Mean(int[] axes, bool keepDim = false) => MeanOp.Trace(Sum(axes, keepDim) * (1.0 / Count(axes)), this, axes, keepDim);

    /// <summary>The variance with <paramref name="correction"/> (1: unbiased, as PyTorch's default; 0: population).</summary>
    public Tensor Var(int[]? axes = null, int correction = 1, bool keepDim = false)
    {
        axes ??= [];
        // The mean's first-order gradient path is exactly zero (Σ(x − mean) = 0), so the ordinary backward skips it: the
        // gradient is PyTorch's 2(x − mean)/(N − correction), and a non-finite element cannot spread NaN to all the others
        // through it. A backward that creates the graph keeps the path, which second derivatives need.
        var centered = this - Ops.FirstOrderConstantOp.Apply(Mean(axes, keepDim: true));
        double n = Count(axes) - correction;
        return VarOp.Trace((centered * centered).Sum(axes, keepDim) * (1.0 / Math.Max(n, 0)), this, axes, correction, keepDim);
    }

    /// <summary>The maximum of all elements; the gradient goes to the first maximal element.</summary>
    public Tensor Max() => Flatten().Extreme(0, false, max: true);

    /// <summary>The maximum along an axis; the gradient goes to the arg-max.</summary>
    public Tensor Max(int axis, bool keepDim = false) => Extreme(axis, keepDim, max: true);

    /// <summary>The minimum of all elements; the gradient goes to the first minimal element.</summary>
    public Tensor Min() => Flatten().Extreme(0, false, max: false);

    /// <summary>The minimum along an axis; the gradient goes to the arg-min.</summary>
    public Tensor Min(int axis, bool keepDim = false) => Extreme(axis, keepDim, max: false);

    private Tensor Extreme(int axis, bool keepDim, bool max)
    {
        if (Rank == 0) return this;
        int a = Shapes.NormalizeAxis(max ? "max" : "min", axis, Rank);
        var y = ExtremeReduceOp.Apply(this, a, max);
        return keepDim ? y : y.Reshape(Drop([a]));
    }

    /// <summary>The index of the first maximum along an axis (int32, no gradient), or of the flattened tensor when no axis is given.</summary>
    public Tensor ArgMax(int? axis = null, bool keepDim = false) => ArgExtreme(axis, keepDim, max: true);

    /// <summary>The index of the first minimum along an axis (int32, no gradient).</summary>
    public Tensor ArgMin(int? axis = null, bool keepDim = false) => ArgExtreme(axis, keepDim, max: false);

    private Tensor ArgExtreme(int? axis, bool keepDim, bool max)
    {
        using var _ = Autograd.NoGrad();
        var source = axis is null ? Flatten() : this;
        int a = axis is int given ? Shapes.NormalizeAxis("argmax", given, Rank) : 0;
        if (source.Rank == 0) return FromArray(new[] { 0 }, []);
        ExtremeReduceOp.Reduce(source, a, max, out var index);
        var shape = (int[])source.ShapeArray.Clone();
        shape[a] = 1;
        var result = ArgExtremeOp.Trace(new Tensor(index, shape, DType.Int32), source, a, max);
        if (!keepDim) return result.Reshape(axis is null ? [] : source.Drop([a]));
        // With no axis the index is into the flattened tensor; keepDim keeps every axis as size 1, as PyTorch does.
        return axis is null ? result.Reshape(OnesShape()) : result;
    }

    /// <summary>
    /// Matrix product with PyTorch's rules: 1-d·1-d is a dot product, a 1-d operand is a row (left) or column
    /// (right) vector, and operands of rank ≥ 3 are batches of matrices with broadcast batch axes.
    /// </summary>
    public static Tensor MatMul(Tensor a, Tensor b)
    {
        if (a.Rank == 0 || b.Rank == 0)
            throw new ArgumentException($"matmul: both operands need at least one axis, got {Shapes.Format(a.ShapeArray)} and {Shapes.Format(b.ShapeArray)}");
        bool vecA = a.Rank == 1, vecB = b.Rank == 1;
        if (vecA && vecB && a.ShapeArray[0] != b.ShapeArray[0])
            throw new ArgumentException($"matmul: vectors of lengths {a.ShapeArray[0]} and {b.ShapeArray[0]} have no dot product (lengths must match)");
        // Checked here, before a 1-d operand gains its unit axis, so the message shows the shapes the caller passed.
        int k = a.ShapeArray[^1], kb = vecB ? b.ShapeArray[0] : b.ShapeArray[^2];
        if (k != kb)
            throw new ArgumentException(
                $"matmul: shapes {Shapes.Format(a.ShapeArray)} and {Shapes.Format(b.ShapeArray)} do not fit: the last axis of the first ({k}) must equal {(vecB ? "the length of the second" : "the second-to-last axis of the second")} ({kb})");
        var y = MatMulOperands(vecA ? a.Unsqueeze(0) : a, vecB ? b.Unsqueeze(1) : b);
        if (vecB) y = y.Squeeze(-1);
        if (vecA) y = y.Squeeze(vecB ? -1 : -2);
        return y;
    }

    /// <summary>The product of operands of rank ≥ 2, batched or not.</summary>
    internal static Tensor MatMulOperands(Tensor a, Tensor b) =>
        a.Batched is null && b.Batched is null ? MatMulOp.Apply(a, b) : BatchingRules.MatMul(a, b);

    /// <summary>this · other as matrices (see <see cref="MatMul(Tensor, Tensor)"/>).</summary>
    public Tensor MatMul(Tensor other) => MatMul(this, other);

    /// <summary>Softmax along an axis (default the last), computed stably.</summary>
    public Tensor Softmax(int axis = -1) => AlongLastAxis(axis, t => SoftmaxOp.Apply(t, log: false));

    /// <summary>log(softmax(x)) along an axis (default the last), computed stably.</summary>
    public Tensor LogSoftmax(int axis = -1) => AlongLastAxis(axis, t => SoftmaxOp.Apply(t, log: true));

    private Tensor AlongLastAxis(int axis, Func<Tensor, Tensor> f)
    {
        int a = Shapes.NormalizeAxis("softmax", axis, Rank);
        if (a == Rank - 1) return f(this);
        return f(Transpose(a, -1)).Transpose(a, -1);
    }

    private int Count(int[] axes)
    {
        if (axes.Length == 0) return Numel;
        int n = 1;
        foreach (int a in Shapes.NormalizeAxes("reduce", axes, Rank)) n *= ShapeArray[a];
        return n;
    }

    private int[] Drop(int[] sortedAxes)
    {
        var shape = new List<int>();
        for (int i = 0; i < Rank; i++)
            if (System.Array.BinarySearch(sortedAxes, i) < 0) shape.Add(ShapeArray[i]);
        return shape.ToArray();
    }

    private int[] OnesShape()
    {
        var s = new int[Rank];
        System.Array.Fill(s, 1);
        return s;
    }
}
