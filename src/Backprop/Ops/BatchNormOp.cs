using System.Numerics;
using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// Batch normalisation in training mode as one fused operator, over the channel axis 1 of an input [N, C, ...]:
/// y = (x − μ)/√(σ² + ε)·γ + β with the batch's mean μ and biased variance σ² over every axis but the channels, γ and
/// β optional (both or neither). Saves the input and each channel's μ and 1/√(σ² + ε); the backward computes dx, dγ
/// and dβ in two passes over the input (<see cref="BatchNormKernel"/>). The batch's μ and σ² are handed back for the
/// running statistics.
/// </summary>
internal sealed class BatchNormOp : Node
{
    private Tensor? _x, _weight, _mean, _rstd;
    private double _eps;
    public override string Name => "batch_norm";

    /// <summary>y, and the batch's per-channel mean and biased variance [C] (outside any graph).</summary>
    public static (Tensor Y, Tensor Mean, Tensor Variance) Apply(Tensor x, Tensor? weight, Tensor? bias, double eps)
    {
        Elementwise.RequireFloat("batch_norm", x);
        if (x.Rank < 2) throw new ArgumentException($"batch_norm: expected an input [N, C, ...], got {Shapes.Format(x.ShapeArray)}");
        if ((weight is null) != (bias is null)) throw new ArgumentException("batch_norm: expected both weight and bias, or neither");
        var shape = x.ShapeArray;
        int batch = shape[0], channels = shape[1], plane = channels == 0 || batch == 0 ? 0 : x.Numel / (batch * channels);
        LayerNormOp.CheckFeatureParameter("batch_norm", "weight", weight, x, channels, "axis 1");
        LayerNormOp.CheckFeatureParameter("batch_norm", "bias", bias, x, channels, "axis 1");
        if ((long)batch * plane < 2)
            throw new ArgumentException($"batch_norm: training needs more than one value per channel, got input {Shapes.Format(shape)}");
        if (!(eps >= 0)) throw new ArgumentOutOfRangeException(nameof(eps), eps, "batch_norm: eps must be ≥ 0");
        var xc = x.ContiguousData();
        var wc = weight?.ContiguousData();
        var forward = new ForwardAction
        {
            X = xc, W = wc, B = bias?.ContiguousData(), Y = Storage.Empty(shape, x.DType),
            Mean = Storage.Empty([channels], x.DType), Variance = Storage.Empty([channels], x.DType), Rstd = Storage.Empty([channels], x.DType),
            Batch = batch, Channels = channels, Plane = plane, Eps = eps,
        };
        DTypeDispatch.Run(x.DType, ref forward);
        Tensor[] inputs = weight is null ? [x] : [x, weight, bias!];
        var y = !Autograd.ShouldRecord(inputs)
            ? forward.Y
            : Record(forward.Y, new BatchNormOp { _x = xc, _weight = wc, _mean = forward.Mean, _rstd = forward.Rstd, _eps = eps }, inputs);
        return (y, forward.Mean, forward.Variance);
    }

    private struct ForwardAction : IDTypeAction
    {
        public Tensor X, Y, Mean, Variance, Rstd;
        public Tensor? W, B;
        public int Batch, Channels, Plane;
        public double Eps;

        public readonly void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
            BatchNormKernel.Forward<T>(X.Span<T>(), W is null ? default : W.Span<T>(), B is null ? default : B.Span<T>(),
                Y.Span<T>(), Mean.Span<T>(), Variance.Span<T>(), Rstd.Span<T>(), Batch, Channels, Plane, Eps);
    }

    internal override void Backward(Tensor gradOutput, Span<Tensor?> dx)
    {
        var x = Saved(_x);
        var w = _weight is null ? null : Saved(_weight);
        var mean = Saved(_mean);
        var rstd = Saved(_rstd);
        var inputs = InputArray;
        var shape = x.ShapeArray;
        int channels = shape[1];
        var backward = new BackwardAction
        {
            X = x, W = w, Mean = mean, Rstd = rstd, Dy = gradOutput.CastData(x.DType).ContiguousData(),
            Dx = inputs[0].RequiresGrad ? Storage.Empty(shape, x.DType) : null,
            Dw = w is not null && inputs[1].RequiresGrad ? Storage.Empty([channels], x.DType) : null,
            Db = w is not null && inputs[2].RequiresGrad ? Storage.Empty([channels], x.DType) : null,
            Batch = shape[0], Channels = channels, Plane = x.Numel / (shape[0] * channels),
        };
        DTypeDispatch.Run(x.DType, ref backward);
        dx[0] = backward.Dx;
        if (w is null) return;
        dx[1] = backward.Dw;
        dx[2] = backward.Db;
    }

    // Recomputed from the input with recorded operators, as the layer's unfused form: x̂ = (x − μ)·r, r = 1/√(σ² + ε),
    // and with gw = g·γ, dx = r·(gw − mean(gw) − x̂·mean(gw·x̂)), dγ = Σ g·x̂, dβ = Σ g over every axis but the channels.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx)
    {
        var x = Input(0);
        var (axes, channelShape) = Axes(x.Rank, x.ShapeArray[1]);
        var centered = x - x.Mean(axes, keepDim: true);
        var rstd = 1.0 / ((centered * centered).Mean(axes, keepDim: true) + _eps).Sqrt();
        var normalized = centered * rstd;
        bool affine = InputArray.Length == 3;
        var gw = affine ? g * Input(1).Reshape(channelShape) : g;
        if (Wants(0))
            dx[0] = rstd * (gw - gw.Mean(axes, keepDim: true) - normalized * (gw * normalized).Mean(axes, keepDim: true));
        if (affine && Wants(1)) dx[1] = (g * normalized).Sum(axes);
        if (affine && Wants(2)) dx[2] = g.Sum(axes);
    }

    /// <summary>The axes a batch norm of rank <paramref name="rank"/> reduces over (all but 1), and the shape [1, C, 1, ...] of a per-channel value.</summary>
    internal static (int[] Axes, int[] ChannelShape) Axes(int rank, int channels)
    {
        var channelShape = new int[rank];
        Array.Fill(channelShape, 1);
        channelShape[1] = channels;
        var axes = new int[rank - 1];
        for (int i = 0, j = 0; i < rank; i++) if (i != 1) axes[j++] = i;
        return (axes, channelShape);
    }

    private struct BackwardAction : IDTypeAction
    {
        public Tensor X, Mean, Rstd, Dy;
        public Tensor? W, Dx, Dw, Db;
        public int Batch, Channels, Plane;

        public readonly void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
            BatchNormKernel.Backward<T>(X.Span<T>(), W is null ? default : W.Span<T>(), Mean.Span<T>(), Rstd.Span<T>(), Dy.Span<T>(),
                Dx is null ? default : Dx.Span<T>(), Dw is null ? default : Dw.Span<T>(), Db is null ? default : Db.Span<T>(), Batch, Channels, Plane);
    }

    protected override void ReleaseSaved() => _x = _weight = _mean = _rstd = null;
}
