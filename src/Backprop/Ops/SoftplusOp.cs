using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// Softplus log(1 + e^βx)/β, linear above the threshold as in PyTorch; local gradient σ(βx) (1 above the threshold),
/// from the saved input.
/// </summary>
internal sealed class SoftplusOp : Node
{
    private Tensor? _x;
    private double _beta, _threshold;
    public override string Name => "softplus";

    /// <summary>β and the linear threshold (read by the ONNX exporter).</summary>
    internal double Beta => _beta;

    internal double Threshold => _threshold;

    public static Tensor Apply(Tensor x, double beta, double threshold)
    {
        if (beta == 0 || !double.IsFinite(beta))
            throw new ArgumentOutOfRangeException(nameof(beta), $"softplus: beta must be finite and non-zero, got {beta} (tensor {Shapes.Format(x.ShapeArray)})");
        if (double.IsNaN(threshold))
            throw new ArgumentOutOfRangeException(nameof(threshold), $"softplus: threshold must be a number, got NaN (tensor {Shapes.Format(x.ShapeArray)})");
        var y = Elementwise.Unary("softplus", x, new SoftplusFunction(beta, threshold));
        return Autograd.ShouldRecord(x) ? Record(y, new SoftplusOp { _x = x, _beta = beta, _threshold = threshold }, x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = Elementwise.Gradient(g, Saved(_x), new SoftplusFunction(_beta, _threshold));

    // Written with recorded operators on the inputs themselves, so the gradient is differentiable again.
    // σ(βx) below the threshold, 1 above it (where the forward is x itself), as PyTorch.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx)
    {
        var z = Input(0) * _beta;
        Tensor smooth;
        using (Autograd.NoGrad()) smooth = z.Le(_threshold);
        dx[0] = g * Tensor.Where(smooth, z.Sigmoid(), Tensor.Ones([], g.DType));
    }

    protected override void ReleaseSaved() => _x = null;
}
