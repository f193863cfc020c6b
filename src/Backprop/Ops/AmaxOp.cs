using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// amax / amin over several axes. Unlike max/min (which send the gradient to the one element ArgMax names), the
/// gradient is split evenly among all tied extremes, as PyTorch's amax: dx = (g / count) · [x = y], count the number
/// of ties in the reduced slice. The forward is a chain of single-axis reductions.
/// </summary>
internal sealed class AmaxOp : Node
{
    private Tensor? _x, _y;
    private int[] _axes = [];
    private bool _max;
    public override string Name => _max ? "amax" : "amin";

    /// <summary>The reduced axes and max or min (read by the ONNX exporter).</summary>
    internal int[] Axes => _axes;

    internal bool IsMax => _max;

    /// <summary>The extremes along the given normalised, sorted axes, kept as size 1 (the caller drops them).</summary>
    public static Tensor Apply(Tensor x, int[] axes, bool max)
    {
        string name = max ? "amax" : "amin";
        Elementwise.RequireFloat(name, x);
        foreach (int a in axes)
            if (x.ShapeArray[a] == 0)
                throw new ArgumentException($"{name}: cannot reduce along axis {a} of size 0 (shape {Shapes.Format(x.ShapeArray)}): an empty slice has no extreme");
        Tensor y;
        using (Autograd.NoGrad())
        {
            y = axes.Length == 0 ? x.CopyData() : x;
            foreach (int a in axes) y = ExtremeReduceOp.Apply(y, a, max);
        }
        return Autograd.ShouldRecord(x) ? Record(y, new AmaxOp { _x = x, _y = y, _axes = axes, _max = max }, x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx)
    {
        var x = Saved(_x);
        var y = Saved(_y);
        // PyTorch's order, (g / count) · mask: where the extreme is NaN no element equals it, so the count is 0 and the
        // gradient of that slice is NaN, as there.
        var mask = CompareOp.Apply(x, y, Comparison.Equal).CastData(x.DType);
        var count = _axes.Length == 0 ? mask : mask.Sum(_axes, keepDim: true);
        dx[0] = g / count * mask;
    }

    // The rule above divides g by constant counts and multiplies it by a constant mask: already recorded operators.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => Backward(g, dx);

    protected override void ReleaseSaved() => (_x, _y) = (null, null);
}
