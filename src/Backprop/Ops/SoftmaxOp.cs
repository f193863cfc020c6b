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

    /// <summary>Whether this is log-softmax (read by the ONNX exporter).</summary>
    internal bool IsLog => _log;

    public static Tensor Apply(Tensor x, bool log)
    {
        string name = log ? "log_softmax" : "softmax";
        Elementwise.RequireFloat(name, x);
        if (x.Rank == 0) throw new ArgumentException($"{name}: expected a tensor with at least one axis, got a scalar");
        if (x.Batched is not null) return BatchingRules.Softmax(x, log);
        var y = Storage.Empty(x.ShapeArray, x.DType);
        // An empty tensor (even one with an empty last axis) has an empty softmax, as in PyTorch.
        if (x.Numel > 0)
        {
            int cols = x.ShapeArray[^1];
            var forward = new SoftmaxAction { Input = x.ContiguousData(), Output = y, Rows = x.Numel / cols, Cols = cols, Log = log };
            DTypeDispatch.Run(x.DType, ref forward);
        }
        return Autograd.ShouldRecord(x) ? Record(y, new SoftmaxOp { _y = y, _log = log }, x) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx)
    {
        var y = Saved(_y);
        var result = Storage.Empty(y.ShapeArray, y.DType);
        dx[0] = result;
        if (y.Numel == 0) return;
        int cols = y.ShapeArray[^1], rows = y.Numel / cols;
        var backward = new SoftmaxAction
        {
            Input = y, Gradient = g.CastData(y.DType).ContiguousData(), Output = result, Rows = rows, Cols = cols, Log = _log,
        };
        DTypeDispatch.Run(y.DType, ref backward);
    }

    // Written with recorded operators on the inputs themselves, so the gradient is differentiable again.
    // softmax: y ⊙ (g − Σ g·y); log-softmax: g − softmax(x)·Σ g, with y recomputed from the input.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx)
    {
        var p = Apply(Input(0), log: false);
        int last = p.Rank - 1;
        dx[0] = _log ? g - p * g.Sum(last, keepDim: true) : p * (g - (g * p).Sum(last, keepDim: true));
    }

    /// <summary>The forward (no <see cref="Gradient"/>: Input is x) or the backward (Input is the saved output y).</summary>
    private struct SoftmaxAction : IDTypeAction
    {
        public Tensor Input, Output;
        public Tensor? Gradient;
        public int Rows, Cols;
        public bool Log;

        public readonly void Invoke<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            ReadOnlySpan<T> input = Input.Span<T>();
            var output = Output.Span<T>();
            if (Gradient is null)
            {
                if (Log) SoftmaxCrossEntropyKernel.LogSoftmax(input, output, Rows, Cols);
                else SoftmaxCrossEntropyKernel.Softmax(input, output, Rows, Cols);
            }
            else
            {
                ReadOnlySpan<T> g = Gradient.Span<T>();
                if (Log) SoftmaxCrossEntropyKernel.LogSoftmaxBackward(input, g, output, Rows, Cols);
                else SoftmaxCrossEntropyKernel.SoftmaxBackward(input, g, output, Rows, Cols);
            }
        }
    }

    protected override void ReleaseSaved() => _y = null;
}
