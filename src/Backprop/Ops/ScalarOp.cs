using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// A binary gate with one constant side: x+s, s−x, x·s, s/x, xˢ, sˣ... The constant needs no tensor and no
/// gradient, which keeps chains of scalar arithmetic cheap.
/// </summary>
internal sealed class ScalarOp : Node
{
    private Tensor? _x, _y;
    private double _s;
    private BinaryFunction _f;
    private bool _scalarFirst;

    public override string Name => _f switch
    {
        BinaryFunction.Add => "add",
        BinaryFunction.Subtract => "sub",
        BinaryFunction.Multiply => "mul",
        BinaryFunction.Divide => "div",
        BinaryFunction.Pow => "pow",
        BinaryFunction.Max => "max",
        _ => "min",
    };

    /// <summary>The constant operand.</summary>
    public double Constant => _s;

    /// <summary>Whether the constant is the left operand.</summary>
    public bool ConstantFirst => _scalarFirst;

    public static Tensor Apply(Tensor x, double s, BinaryFunction f, bool scalarFirst = false)
    {
        var y = Elementwise.WithScalar(NameOf(f), x, s, f, scalarFirst);
        if (!Autograd.ShouldRecord(x)) return y;
        return Record(y, new ScalarOp { _x = x, _y = y, _s = s, _f = f, _scalarFirst = scalarFirst }, x);
    }

    private static string NameOf(BinaryFunction f) => f.ToString().ToLowerInvariant();

    internal override void Backward(Tensor g, Span<Tensor?> dx)
    {
        dx[0] = (_f, _scalarFirst) switch
        {
            (BinaryFunction.Add, _) => g,
            (BinaryFunction.Subtract, false) => g,
            (BinaryFunction.Subtract, true) => -g,
            (BinaryFunction.Multiply, _) => g * _s,
            (BinaryFunction.Divide, false) => g * (1.0 / _s),
            (BinaryFunction.Divide, true) => -(g * Saved(_y) / Saved(_x)),
            // x⁰ is constant: its gradient is 0 everywhere, also at x = 0 where s·xˢ⁻¹ would be 0·∞ (as PyTorch).
            (BinaryFunction.Pow, false) when _s == 0 => Tensor.ZerosLike(Saved(_x)),
            (BinaryFunction.Pow, false) => g * (Saved(_x).Pow(_s - 1) * _s),
            (BinaryFunction.Pow, true) => g * Saved(_y) * Math.Log(_s),
            // max(x, s) / min(x, s): the max gate's rule with the constant as the other side.
            _ => ExtremumOp.GradientOf(g, Saved(_x), ConstantTensor(Saved(_x).DType), _f == BinaryFunction.Max),
        };
    }

    private Tensor ConstantTensor(DType dtype) => dtype == DType.Float32 ? Tensor.Scalar((float)_s) : Tensor.Scalar(_s);

    protected override void ReleaseSaved() => _x = _y = null;
}
