using Backprop.Kernels;
using Backprop.Ops;

namespace Backprop;

// The element-wise operators and the C# operator syntax for them.
public sealed partial class Tensor
{
    /// <summary>this + other, broadcasting.</summary>
    public Tensor Add(Tensor other) => AddOp.Apply(this, other);
    /// <summary>this − other, broadcasting.</summary>
    public Tensor Sub(Tensor other) => SubtractOp.Apply(this, other);
    /// <summary>this · other element-wise, broadcasting.</summary>
    public Tensor Mul(Tensor other) => MultiplyOp.Apply(this, other);
    /// <summary>this / other element-wise, broadcasting.</summary>
    public Tensor Div(Tensor other) => DivideOp.Apply(this, other);
    /// <summary>this raised to <paramref name="exponent"/> element-wise, broadcasting.</summary>
    public Tensor Pow(Tensor exponent) => PowOp.Apply(this, exponent);
    /// <summary>this raised to a constant power.</summary>
    public Tensor Pow(double exponent) => PowScalarOp.Apply(this, exponent);
    /// <summary>−this.</summary>
    public Tensor Neg() => NegateOp.Apply(this);
    /// <summary>eˣ.</summary>
    public Tensor Exp() => ExpOp.Apply(this);
    /// <summary>Natural logarithm.</summary>
    public Tensor Log() => LogOp.Apply(this);
    /// <summary>Square root.</summary>
    public Tensor Sqrt() => SqrtOp.Apply(this);
    /// <summary>Absolute value.</summary>
    public Tensor Abs() => AbsOp.Apply(this);
    /// <summary>Hyperbolic tangent.</summary>
    public Tensor Tanh() => TanhOp.Apply(this);
    /// <summary>The logistic sigmoid 1/(1+e⁻ˣ).</summary>
    public Tensor Sigmoid() => SigmoidOp.Apply(this);
    /// <summary>max(x, 0).</summary>
    public Tensor Relu() => ReluOp.Apply(this);
    /// <summary>x².</summary>
    public Tensor Square() => PowScalarOp.Apply(this, 2);
    /// <summary>The max gate: the larger of the two element-wise (broadcasting); ties split the gradient evenly.</summary>
    public Tensor Maximum(Tensor other) => ExtremumOp.Apply(this, other, max: true);
    /// <summary>The smaller of the two element-wise (broadcasting); ties split the gradient evenly.</summary>
    public Tensor Minimum(Tensor other) => ExtremumOp.Apply(this, other, max: false);
    /// <summary>max(x, c) element-wise.</summary>
    public Tensor Maximum(double other) => ExtremumScalarOp.Apply(this, other, max: true);
    /// <summary>min(x, c) element-wise.</summary>
    public Tensor Minimum(double other) => ExtremumScalarOp.Apply(this, other, max: false);
    /// <summary>Limits every element to [min, max].</summary>
    public Tensor Clamp(double min = double.NegativeInfinity, double max = double.PositiveInfinity) => ClampOp.Apply(this, min, max);

    /// <summary>Elements of <paramref name="a"/> where <paramref name="condition"/> is non-zero, else of <paramref name="b"/> (all broadcast).</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b) => WhereOp.Apply(condition, a, b);

    /// <summary>1 where this &gt; other, else 0 (a mask with no gradient), broadcasting.</summary>
    public Tensor Greater(Tensor other)
    {
        using var _ = Autograd.NoGrad();
        var d = Sub(other);
        return Elementwise.Unary("greater", d, new PositiveFunction());
    }

    /// <summary>1 where this &gt; c, else 0 (a mask with no gradient).</summary>
    public Tensor Greater(double c)
    {
        using var _ = Autograd.NoGrad();
        return Elementwise.Unary("greater", Elementwise.WithScalar("greater", this, c, new SubtractFunction()), new PositiveFunction());
    }

    /// <summary>Converts to another dtype (the gradient is converted back).</summary>
    public Tensor To(DType dtype) => CastOp.Apply(this, dtype);

    public static Tensor operator +(Tensor a, Tensor b) => AddOp.Apply(a, b);
    public static Tensor operator -(Tensor a, Tensor b) => SubtractOp.Apply(a, b);
    public static Tensor operator *(Tensor a, Tensor b) => MultiplyOp.Apply(a, b);
    public static Tensor operator /(Tensor a, Tensor b) => DivideOp.Apply(a, b);
    public static Tensor operator -(Tensor a) => NegateOp.Apply(a);
    public static Tensor operator +(Tensor a, double s) => AddScalarOp.Apply(a, s);
    public static Tensor operator +(double s, Tensor a) => AddScalarOp.Apply(a, s);
    public static Tensor operator -(Tensor a, double s) => SubtractScalarOp.Apply(a, s);
    public static Tensor operator -(double s, Tensor a) => ScalarSubtractOp.Apply(a, s);
    public static Tensor operator *(Tensor a, double s) => MultiplyScalarOp.Apply(a, s);
    public static Tensor operator *(double s, Tensor a) => MultiplyScalarOp.Apply(a, s);
    public static Tensor operator /(Tensor a, double s) => DivideScalarOp.Apply(a, s);
    public static Tensor operator /(double s, Tensor a) => ScalarDivideOp.Apply(a, s);
}
