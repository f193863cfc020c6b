using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// tril / triu over the last two axes (a batch of matrices): the kept triangle is copied, the rest is zero. The
/// gradient is the same triangle of the upstream gradient.
/// </summary>
internal sealed class TriangleOp : Node
{
    private int _diagonal;
    private bool _upper;
    public override string Name => _upper ? "triu" : "tril";

    /// <summary>The diagonal and which triangle is kept (read by the ONNX exporter).</summary>
    internal int Diagonal => _diagonal;

    internal bool IsUpper => _upper;

    public static Tensor Apply(Tensor x, int diagonal, bool upper)
    {
        if (x.Rank < 2)
            throw new ArgumentException(
                $"{(upper ? "triu" : "tril")}: expected a matrix or a batch of matrices (at least 2 axes), got shape {Shapes.Format(x.ShapeArray)}");
        var y = Triangle(x, diagonal, upper);
        return Autograd.ShouldRecord(x) ? Record(y, new TriangleOp { _diagonal = diagonal, _upper = upper }, x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = Triangle(g, _diagonal, _upper);

    // Masking is linear and its own transpose: the recorded gradient is the same operator applied to g.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => dx[0] = Apply(g, _diagonal, _upper);

    private static Tensor Triangle(Tensor x, int diagonal, bool upper)
    {
        var action = new TriangleAction { X = x.ContiguousData(), Y = Storage.Empty(x.ShapeArray, x.DType), Diagonal = diagonal, Upper = upper };
        DTypeDispatch.RunAny(x.DType, ref action);
        return action.Y;
    }

    private struct TriangleAction : IAnyDTypeAction
    {
        public Tensor X, Y;
        public int Diagonal;
        public bool Upper;

        public readonly void Invoke<T>() where T : unmanaged =>
            TriangleKernel.Apply(X.Span<T>(), Y.Span<T>(), X.ShapeArray[^2], X.ShapeArray[^1], Diagonal, Upper);
    }
}
