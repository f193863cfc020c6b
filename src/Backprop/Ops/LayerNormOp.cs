using System.Numerics;
using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// Layer normalisation over the last axis, one fused operator: y = (x − mean)/√(var + ε)·w + b with the biased
/// variance, w and b optional. Saves the input and each row's mean and 1/√(var + ε); the backward computes dx, dw and
/// db in one pass over the rows (<see cref="LayerNormKernel"/>).
/// </summary>
internal sealed class LayerNormOp : Node
{
    private Tensor? _x, _weight, _mean, _rstd;
    private bool _hasWeight, _hasBias;
    private double _eps;
    public override string Name => "layer_norm";

    /// <summary>The ε added to the variance (read by the ONNX exporter).</summary>
    internal double Eps => _eps;

    /// <summary>Whether the last input is a bias (with no weight the inputs are [x] or [x, bias]).</summary>
    internal bool HasBias => _hasBias;

    /// <summary>Whether there is a weight (the second input).</summary>
    internal bool HasWeight => _hasWeight;

    public static Tensor Apply(Tensor x, Tensor? weight, Tensor? bias, double eps)
    {
        Elementwise.RequireFloat("layer_norm", x);
        if (x.Rank == 0) throw new ArgumentException("layer_norm: expected an input with at least one axis, got a scalar");
        int cols = x.ShapeArray[^1];
        CheckFeatureParameter("layer_norm", "weight", weight, x, cols, "the last axis");
        CheckFeatureParameter("layer_norm", "bias", bias, x, cols, "the last axis");
        if (!(eps >= 0)) throw new ArgumentOutOfRangeException(nameof(eps), eps, "layer_norm: eps must be ≥ 0");
        var xc = x.ContiguousData();
        var wc = weight?.ContiguousData();
        int rows = cols == 0 ? 0 : x.Numel / cols;
        var forward = new ForwardAction
        {
            X = xc, W = wc, B = bias?.ContiguousData(), Y = Storage.Empty(x.ShapeArray, x.DType),
            Mean = Storage.Empty([rows], x.DType), Rstd = Storage.Empty([rows], x.DType), Rows = rows, Cols = cols, Eps = eps,
        };
        if (x.Numel > 0) DTypeDispatch.Run(x.DType, ref forward);
        var y = forward.Y;
        Tensor[] inputs = (weight, bias) switch
        {
            (null, null) => [x],
            (_, null) => [x, weight!],
            (null, _) => [x, bias!],
            _ => [x, weight!, bias!],
        };
        if (!Autograd.ShouldRecord(inputs)) return y;
        return Record(y, new LayerNormOp
        {
            _x = xc, _weight = wc, _mean = forward.Mean, _rstd = forward.Rstd, _hasWeight = weight is not null, _hasBias = bias is not null, _eps = eps,
        }, inputs);
    }

    /// <summary>
    /// Checks a normalisation's weight or bias <paramref name="p"/> (null: none): a vector of <paramref name="length"/>
    /// elements, the length of <paramref name="axis"/> of the input, in the input's dtype. Batch norm's too.
    /// </summary>
    internal static void CheckFeatureParameter(string op, string name, Tensor? p, Tensor x, int length, string axis)
    {
        if (p is null) return;
        if (p.Rank != 1 || p.ShapeArray[0] != length)
            throw new ArgumentException(
                $"{op}: the {name} must have shape [{length}] ({axis} of the input {Shapes.Format(x.ShapeArray)}), got {Shapes.Format(p.ShapeArray)}");
        if (p.DType != x.DType)
            throw new ArgumentException($"{op}: the {name} is {p.DType.Name()} but the input is {x.DType.Name()}; expected one dtype");
    }

    private struct ForwardAction : IDTypeAction
    {
        public Tensor X, Y, Mean, Rstd;
        public Tensor? W, B;
        public int Rows, Cols;
        public double Eps;

        public readonly void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
            LayerNormKernel.Forward<T>(X.Span<T>(), W is null ? default : W.Span<T>(), B is null ? default : B.Span<T>(),
                Y.Span<T>(), Mean.Span<T>(), Rstd.Span<T>(), Rows, Cols, Eps);
    }

    internal override void Backward(Tensor gradOutput, Span<Tensor?> dx)
    {
        var x = Saved(_x);
        var w = _weight is null ? null : Saved(_weight);
        var mean = Saved(_mean);
        var rstd = Saved(_rstd);
        var inputs = InputArray;
        // Inputs are [x], [x, w], [x, b] or [x, w, b].
        int weightSlot = w is null ? -1 : 1, biasSlot = _hasBias ? inputs.Length - 1 : -1;
        int cols = x.ShapeArray[^1];
        var backward = new BackwardAction
        {
            X = x, W = w, Mean = mean, Rstd = rstd, Dy = gradOutput.CastData(x.DType).ContiguousData(),
            Dx = inputs[0].RequiresGrad ? Storage.Empty(x.ShapeArray, x.DType) : null,
            Dw = weightSlot > 0 && inputs[weightSlot].RequiresGrad ? Storage.Empty([cols], x.DType) : null,
            Db = biasSlot > 0 && inputs[biasSlot].RequiresGrad ? Storage.Empty([cols], x.DType) : null,
            Rows = mean.ShapeArray[0], Cols = cols,
        };
        if (x.Numel > 0) DTypeDispatch.Run(x.DType, ref backward);
        else
        {
            backward.Dw?.FillData(0);
            backward.Db?.FillData(0);
        }
        dx[0] = backward.Dx;
        if (weightSlot > 0) dx[weightSlot] = backward.Dw;
        if (biasSlot > 0) dx[biasSlot] = backward.Db;
    }

    // Recomputed from the input with recorded operators: x̂ = (x − μ)·r, r = 1/√(σ² + ε), and with gw = g·w
    // dx = r·(gw − mean(gw) − x̂·mean(gw·x̂)), dw = Σ g·x̂, db = Σ g over the rows.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx)
    {
        var x = Input(0);
        int last = x.Rank - 1, cols = x.ShapeArray[^1];
        var centered = x - x.Mean(last, keepDim: true);
        var rstd = 1.0 / ((centered * centered).Mean(last, keepDim: true) + _eps).Sqrt();
        var normalized = centered * rstd;
        int biasIndex = _hasWeight ? 2 : 1;
        var gw = _hasWeight ? g * Input(1) : g;
        if (Wants(0))
            dx[0] = rstd * (gw - gw.Mean(last, keepDim: true) - normalized * (gw * normalized).Mean(last, keepDim: true));
        if (_hasWeight && Wants(1)) dx[1] = (g * normalized).Reshape(-1, cols).Sum(0);
        if (_hasBias && Wants(biasIndex)) dx[biasIndex] = g.Reshape(-1, cols).Sum(0);
    }

    private struct BackwardAction : IDTypeAction
    {
        public Tensor X, Mean, Rstd, Dy;
        public Tensor? W, Dx, Dw, Db;
        public int Rows, Cols;

        public readonly void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
            LayerNormKernel.Backward<T>(X.Span<T>(), W is null ? default : W.Span<T>(), Mean.Span<T>(), Rstd.Span<T>(), Dy.Span<T>(),
                Dx is null ? default : Dx.Span<T>(), Dw is null ? default : Dw.Span<T>(), Db is null ? default : Db.Span<T>(), Rows, Cols);
    }

    protected override void ReleaseSaved() => _x = _weight = _mean = _rstd = null;
}
