using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// The fully connected layer fused into one operator: y = x·Wᵀ + b for x [N, in], W [out, in], b [out].
/// Backward: dX = G·W, dW = Gᵀ·X, db = Σ_rows G — every transpose is a GEMM flag, never a copy. Fused because
/// matmul + add would allocate a transposed-weight gradient and a broadcast bias gradient and then copy both into
/// the parameters' layout; this writes each gradient once, in the parameter's own shape.
/// </summary>
/// <remarks>
/// With <c>relu</c> the layer's ReLU is fused in too (<see cref="NN.Sequential"/> does this for a Linear layer followed
/// by a ReLU layer): the output is made non-negative in place, and the backward masks the upstream gradient where the
/// output is not positive before the same products, so no separate ReLU output or gradient exists. The numbers are
/// those of linear then relu, bit for bit.
/// <para>
/// With <c>gelu</c> the exact GELU that follows the layer (a transformer's MLP: c_fc then GELU) is fused in the same
/// way: one pass over the GEMM's output turns it into gelu(u) in place and writes the slope gelu′(u) beside it, with
/// the Gaussian computed once for both; the backward multiplies the upstream gradient by that slope before the
/// products. So the backward evaluates no erf or exponential, and no separate GELU output or gradient exists. The
/// numbers are those of linear then gelu, bit for bit.
/// </para>
/// </remarks>
internal sealed class LinearOp : Node
{
    private Tensor? _x, _w, _y, _slope;
    private bool _relu, _gelu;
    public override string Name => _relu ? "linear_relu" : _gelu ? "linear_gelu" : "linear";

    /// <summary>Whether the layer's ReLU is part of this operator (read by the ONNX exporter, which never sees one).</summary>
    internal bool FusesRelu => _relu;

    /// <summary>Whether the layer's GELU is part of this operator (the ONNX exporter never sees one: traces do not fuse it).</summary>
    internal bool FusesGelu => _gelu;

    public static Tensor Apply(Tensor x, Tensor weight, Tensor? bias, bool relu = false, bool gelu = false)
    {
        if (relu && gelu) throw new ArgumentException("internal: linear fuses one activation, not both ReLU and GELU");
        Elementwise.RequireFloat("linear", x);
        Elementwise.RequireFloat("linear", weight);
        if (x.Rank != 2 || weight.Rank != 2 || x.ShapeArray[1] != weight.ShapeArray[1])
            throw new ArgumentException(
                $"linear: expected input [batch, in] and weight [out, in] with matching 'in', got {Shapes.Format(x.ShapeArray)} and {Shapes.Format(weight.ShapeArray)}");
        if (x.DType != weight.DType || (bias is not null && bias.DType != x.DType))
            throw new ArgumentException($"linear: input, weight and bias must share one dtype, got {x.DType.Name()} and {weight.DType.Name()}");
        int n = x.ShapeArray[0], m = weight.ShapeArray[0];
        if (bias is not null && (bias.Rank != 1 || bias.ShapeArray[0] != m))
            throw new ArgumentException($"linear: the bias must have shape [{m}], got {Shapes.Format(bias.ShapeArray)}");
        var xc = x.ContiguousData();
        var wc = weight.ContiguousData();
        var forward = new ForwardAction { X = xc, W = wc, B = bias?.ContiguousData(), Y = Storage.Empty([n, m], x.DType) };
        DTypeDispatch.Run(x.DType, ref forward);
        var y = forward.Y;
        if (relu) Elementwise.MapInPlace(y, new ReluFunction());

        Tensor[] inputs = bias is null ? [x, weight] : [x, weight, bias];
        bool record = Autograd.ShouldRecord(inputs);
        Tensor? slope = null;
        if (gelu)
        {
            // Without a graph the slope is not needed, and the plain forward is the cheaper pass.
            if (record) slope = Elementwise.MapWithSlopeInPlace(y, new GeluFunction());
            else Elementwise.MapInPlace(y, new GeluFunction());
        }
        if (!record) return y;
        return Record(y, new LinearOp { _x = xc, _w = wc, _y = relu ? y : null, _slope = slope, _relu = relu, _gelu = gelu }, inputs);
    }

    private struct ForwardAction : IDTypeAction
    {
        public Tensor X, W, Y;
        public Tensor? B;

        public readonly void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            int n = X.ShapeArray[0], k = X.ShapeArray[1], m = W.ShapeArray[0];
            // The bias is where each output's sum starts, inside the GEMM's tiles: it costs no extra pass over y.
            if (B is null)
                Gemm.Multiply<T>(X.Span<T>(), W.Span<T>(), Y.Span<T>(), n, m, k, transA: false, transB: true);
            else
                Gemm.MultiplyAddRow<T>(X.Span<T>(), W.Span<T>(), B.Span<T>(), Y.Span<T>(), n, m, k, transA: false, transB: true);
        }
    }

    internal override void Backward(Tensor gradOutput, Span<Tensor?> dx) => BackwardInto(gradOutput, dx, default, default);

    // The weight's gradient is a GEMM that can start from the weight's own Grad, and the bias's a sum of rows that can
    // be added into its Grad: in a training step (after ZeroGrad) that spares a gradient tensor and an addition pass each.
    internal override bool AddsIntoLeafGradients => true;

    internal override void BackwardInto(Tensor gradOutput, Span<Tensor?> dx, ReadOnlySpan<Tensor?> addInto, Span<bool> added)
    {
        var x = Saved(_x);
        var w = Saved(_w);
        var inputs = InputArray;
        var g = gradOutput.CastData(x.DType).ContiguousData();
        bool hasBias = inputs.Length == 3;
        var intoW = addInto.IsEmpty ? null : addInto[1];
        var intoB = addInto.IsEmpty || !hasBias ? null : addInto[2];
        var backward = new BackwardAction
        {
            G = g, X = x, W = w,
            // The gradient before the activation lives only while this node runs: a rented array, not a tensor.
            Slopes = _relu ? Saved(_y).ContiguousData() : _gelu ? Saved(_slope).ContiguousData() : null, Relu = _relu,
            GradX = inputs[0].RequiresGrad ? Storage.Empty(x.ShapeArray, x.DType) : null,
            GradW = inputs[1].RequiresGrad ? intoW ?? Storage.Empty(w.ShapeArray, w.DType) : null,
            GradB = hasBias && inputs[2].RequiresGrad ? intoB ?? Storage.Zeros([w.ShapeArray[0]], x.DType) : null,
            AccumulateW = intoW is not null,
        };
        DTypeDispatch.Run(x.DType, ref backward);
        dx[0] = backward.GradX;
        if (intoW is not null) added[1] = true;
        else dx[1] = backward.GradW;
        if (intoB is not null) added[2] = true;
        else if (hasBias) dx[2] = backward.GradB;
    }

    // Written with recorded operators on the inputs themselves, so the gradient is differentiable again.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx)
    {
        if (_relu)
        {
            // ReLU's slopes (0 or 1) are constants of the forward, as in ReluOp's recorded rule.
            Tensor slopes;
            var y = Saved(_y);
            using (Autograd.NoGrad()) slopes = Elementwise.Gradient(Tensor.OnesLike(y), y, new ReluFunction());
            g *= slopes;
        }
        else if (_gelu)
        {
            // GELU's slope as GeluOp's recorded rule writes it, on the layer's output before the GELU recomputed from
            // the inputs: graph-connected, so the second derivative has GELU's curvature in it.
            var u = Tensor.Linear(Input(0), Input(1), InputArray.Length == 3 ? Input(2) : null);
            g *= GeluOp.ExactSlope(u);
        }
        if (Wants(0)) dx[0] = MatMulOp.Apply(g, Input(1));
        if (Wants(1)) dx[1] = MatMulOp.Apply(g.Transpose(0, 1), Input(0));
        if (InputArray.Length == 3 && Wants(2)) dx[2] = g.Sum(0);
    }

    private struct BackwardAction : IDTypeAction
    {
        public Tensor G, X, W;
        public Tensor? GradX, GradW, GradB;
        public bool AccumulateW; // GradW is the weight's own gradient: add to it (the bias rows are always added)
        public Tensor? Slopes;   // the fused activation's output (ReLU) or saved slopes (GELU); null without one
        public bool Relu;

        public readonly void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            ReadOnlySpan<T> g = G.Span<T>();
            if (Slopes is null)
            {
                Run(g);
                return;
            }
            T[] rented = ArrayPool<T>.Shared.Rent(g.Length);
            try
            {
                var before = rented.AsSpan(0, g.Length);
                if (Relu) ElementwiseKernel.Gradient(new ReluFunction(), g, Slopes.Span<T>(), before);
                else ElementwiseKernel.Gradient(new SavedSlope(), g, Slopes.Span<T>(), before);
                Run<T>(before);
            }
            finally
            {
                ArrayPool<T>.Shared.Return(rented);
            }
        }

        private readonly void Run<T>(ReadOnlySpan<T> g) where T : unmanaged, IFloatingPointIeee754<T>
        {
            int n = X.ShapeArray[0], k = X.ShapeArray[1], m = W.ShapeArray[0];
            if (GradX is not null) Gemm.Multiply<T>(g, W.Span<T>(), GradX.Span<T>(), n, k, m);
            if (GradW is not null) Gemm.Multiply<T>(g, X.Span<T>(), GradW.Span<T>(), m, k, n, transA: true, accumulate: AccumulateW);
            if (GradB is not null)
            {
                var sum = GradB.Span<T>();
                for (int r = 0; r < n; r++) TensorPrimitives.Add(sum, g.Slice(r * m, m), sum);
            }
        }
    }

    protected override void ReleaseSaved() => _x = _w = _y = _slope = null;
}
