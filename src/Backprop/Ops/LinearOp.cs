using System.Numerics.Tensors;
using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// The fully connected layer fused into one operator: y = x·Wᵀ + b for x [N, in], W [out, in], b [out].
/// Backward: dX = G·W, dW = Gᵀ·X, db = Σ_rows G — every transpose is a GEMM flag, never a copy. Fused because
/// matmul + add would allocate a transposed-weight gradient and a broadcast bias gradient and then copy both into
/// the parameters' layout; this writes each gradient once, in the parameter's own shape.
/// </summary>
internal sealed class LinearOp : Node
{
    private Tensor? _x, _w;
    public override string Name => "linear";

    public static Tensor Apply(Tensor x, Tensor weight, Tensor? bias)
    {
        Elementwise.RequireFloat("linear", x);
        Elementwise.RequireFloat("linear", weight);
        if (x.Rank != 2 || weight.Rank != 2 || x.ShapeArray[1] != weight.ShapeArray[1])
            throw new ArgumentException(
                $"linear: expected input [batch, in] and weight [out, in] with matching 'in', got {Shapes.Format(x.ShapeArray)} and {Shapes.Format(weight.ShapeArray)}");
        if (x.DType != weight.DType || (bias is not null && bias.DType != x.DType))
            throw new ArgumentException($"linear: input, weight and bias must share one dtype, got {x.DType.Name()} and {weight.DType.Name()}");
        int n = x.ShapeArray[0], k = x.ShapeArray[1], m = weight.ShapeArray[0];
        if (bias is not null && (bias.Rank != 1 || bias.ShapeArray[0] != m))
            throw new ArgumentException($"linear: the bias must have shape [{m}], got {Shapes.Format(bias.ShapeArray)}");
        var xc = x.ContiguousData();
        var wc = weight.ContiguousData();
        var y = Storage.Empty([n, m], x.DType);
        if (x.DType == DType.Float32)
            Forward(xc.Span<float>(), wc.Span<float>(), bias is null ? default : bias.ContiguousData().Span<float>(), y.Span<float>(), n, m, k);
        else
            Forward(xc.Span<double>(), wc.Span<double>(), bias is null ? default : bias.ContiguousData().Span<double>(), y.Span<double>(), n, m, k);

        Tensor[] inputs = bias is null ? [x, weight] : [x, weight, bias];
        if (!Autograd.ShouldRecord(inputs)) return y;
        return Record(y, new LinearOp { _x = xc, _w = wc }, inputs);
    }

    private static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, int n, int m, int k)
    {
        // Seed every row with the bias and let the GEMM accumulate onto it: the bias costs no extra pass.
        if (!b.IsEmpty)
            for (int r = 0; r < n; r++) b.CopyTo(y.Slice(r * m, m));
        Gemm.Multiply(x, w, y, n, m, k, transA: false, transB: true, accumulate: !b.IsEmpty);
    }

    private static void Forward(ReadOnlySpan<double> x, ReadOnlySpan<double> w, ReadOnlySpan<double> b, Span<double> y, int n, int m, int k)
    {
        if (!b.IsEmpty)
            for (int r = 0; r < n; r++) b.CopyTo(y.Slice(r * m, m));
        Gemm.Multiply(x, w, y, n, m, k, transA: false, transB: true, accumulate: !b.IsEmpty);
    }

    internal override void Backward(Tensor gradOutput, Span<Tensor?> dx)
    {
        var x = Saved(_x);
        var w = Saved(_w);
        var g = gradOutput.CastData(x.DType).ContiguousData();
        int n = x.ShapeArray[0], k = x.ShapeArray[1], m = w.ShapeArray[0];
        var inputs = InputArray;
        bool f32 = x.DType == DType.Float32;
        if (inputs[0].RequiresGrad)
        {
            var gx = Storage.Empty(x.ShapeArray, x.DType);
            if (f32) Gemm.Multiply(g.Span<float>(), w.Span<float>(), gx.Span<float>(), n, k, m);
            else Gemm.Multiply(g.Span<double>(), w.Span<double>(), gx.Span<double>(), n, k, m);
            dx[0] = gx;
        }
        if (inputs[1].RequiresGrad)
        {
            var gw = Storage.Empty(w.ShapeArray, w.DType);
            if (f32) Gemm.Multiply(g.Span<float>(), x.Span<float>(), gw.Span<float>(), m, k, n, transA: true);
            else Gemm.Multiply(g.Span<double>(), x.Span<double>(), gw.Span<double>(), m, k, n, transA: true);
            dx[1] = gw;
        }
        if (inputs.Length == 3 && inputs[2].RequiresGrad)
        {
            var gb = Storage.Zeros([m], x.DType);
            if (f32) SumRows(g.Span<float>(), gb.Span<float>(), n, m);
            else SumRows(g.Span<double>(), gb.Span<double>(), n, m);
            dx[2] = gb;
        }
    }

    private static void SumRows<T>(ReadOnlySpan<T> g, Span<T> sum, int rows, int cols) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        for (int r = 0; r < rows; r++) TensorPrimitives.Add(sum, g.Slice(r * cols, cols), sum);
    }

    protected override void ReleaseSaved() => _x = _w = null;
}
