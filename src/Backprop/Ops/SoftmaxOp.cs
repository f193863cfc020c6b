using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// softmax or log-softmax along the last axis, computed stably (max-subtracted). Backward from the saved output:
/// softmax dx = y ⊙ (dy − Σ dy·y); log-softmax dx = dy − eʸ·Σ dy.
/// </summary>
internal sealed class SoftmaxOp : Node
{
    private Tensor? _y;
    private bool _log;
    public override string Name => _log ? "log_softmax" : "softmax";

    public static Tensor Apply(Tensor x, bool log)
    {
        string name = log ? "log_softmax" : "softmax";
        Elementwise.RequireFloat(name, x);
        if (x.Rank == 0) throw new ArgumentException($"{name}: expected a tensor with at least one axis, got a scalar");
        var y = Storage.Empty(x.ShapeArray, x.DType);
        // An empty tensor (even one with an empty last axis) has an empty softmax, as in PyTorch.
        if (x.Numel == 0) return Autograd.ShouldRecord(x) ? Record(y, new SoftmaxOp { _y = y, _log = log }, x) : y;
        int cols = x.ShapeArray[^1], rows = x.Numel / cols;
        var c = x.ContiguousData();
        if (x.DType == DType.Float32)
        {
            if (log) SoftmaxCrossEntropyKernel.LogSoftmax(c.Span<float>(), y.Span<float>(), rows, cols);
            else SoftmaxCrossEntropyKernel.Softmax(c.Span<float>(), y.Span<float>(), rows, cols);
        }
        else
        {
            if (log) SoftmaxCrossEntropyKernel.LogSoftmax(c.Span<double>(), y.Span<double>(), rows, cols);
            else SoftmaxCrossEntropyKernel.Softmax(c.Span<double>(), y.Span<double>(), rows, cols);
        }
        return Autograd.ShouldRecord(x) ? Record(y, new SoftmaxOp { _y = y, _log = log }, x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx)
    {
        var y = Saved(_y);
        var result = Storage.Empty(y.ShapeArray, y.DType);
        dx[0] = result;
        if (y.Numel == 0) return;
        var gc = g.ContiguousData();
        int cols = y.ShapeArray[^1], rows = y.Numel / cols;
        if (y.DType == DType.Float32)
        {
            if (_log) SoftmaxCrossEntropyKernel.LogSoftmaxBackward<float>(y.Span<float>(), gc.Span<float>(), result.Span<float>(), rows, cols);
            else SoftmaxCrossEntropyKernel.SoftmaxBackward<float>(y.Span<float>(), gc.Span<float>(), result.Span<float>(), rows, cols);
        }
        else
        {
            if (_log) SoftmaxCrossEntropyKernel.LogSoftmaxBackward<double>(y.Span<double>(), gc.Span<double>(), result.Span<double>(), rows, cols);
            else SoftmaxCrossEntropyKernel.SoftmaxBackward<double>(y.Span<double>(), gc.Span<double>(), result.Span<double>(), rows, cols);
        }
    }

    protected override void ReleaseSaved() => _y = null;
}
