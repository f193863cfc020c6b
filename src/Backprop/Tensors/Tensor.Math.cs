using Backprop.Kernels;
using Backprop.Ops;

namespace Backprop;

// The element-wise operators and the C# operator syntax for them.
public sealed partial class Tensor
{
    /// <summary>this + other, broadcasting.</summary>
    public Tensor Add(Tensor other) => Batched is null && other.Batched is null ? AddOp.Apply(this, other) : BatchingRules.Zip(this, other, static (a, b) => a.Add(b));
    /// <summary>this − other, broadcasting.</summary>
    public Tensor Sub(Tensor other) => Batched is null && other.Batched is null ? SubtractOp.Apply(this, other) : BatchingRules.Zip(this, other, static (a, b) => a.Sub(b));
    /// <summary>this · other element-wise, broadcasting.</summary>
    public Tensor Mul(Tensor other) => Batched is null && other.Batched is null ? MultiplyOp.Apply(this, other) : BatchingRules.Zip(this, other, static (a, b) => a.Mul(b));
    /// <summary>this / other element-wise, broadcasting.</summary>
    public Tensor Div(Tensor other) => Batched is null && other.Batched is null ? DivideOp.Apply(this, other) : BatchingRules.Zip(this, other, static (a, b) => a.Div(b));
    /// <summary>this raised to <paramref name="exponent"/> element-wise, broadcasting.</summary>
    public Tensor Pow(Tensor exponent) => Batched is null && exponent.Batched is null ? PowOp.Apply(this, exponent) : BatchingRules.Zip(this, exponent, static (a, b) => a.Pow(b));
    /// <summary>this raised to a constant power.</summary>
    public Tensor Pow(double exponent) => Batched is null ? PowScalarOp.Apply(this, exponent) : BatchingRules.Map(this, exponent, static (p, e) => p.Pow(e));
    /// <summary>−this.</summary>
    public Tensor Neg() => Batched is null ? NegateOp.Apply(this) : BatchingRules.Map(this, static p => p.Neg());
    /// <summary>eˣ.</summary>
    public Tensor Exp() => Batched is null ? ExpOp.Apply(this) : BatchingRules.Map(this, static p => p.Exp());
    /// <summary>Natural logarithm.</summary>
    public Tensor Log() => Batched is null ? LogOp.Apply(this) : BatchingRules.Map(this, static p => p.Log());
    /// <summary>Square root.</summary>
    public Tensor Sqrt() => Batched is null ? SqrtOp.Apply(this) : BatchingRules.Map(this, static p => p.Sqrt());
    /// <summary>Absolute value.</summary>
    public Tensor Abs() => Batched is null ? AbsOp.Apply(this) : BatchingRules.Map(this, static p => p.Abs());
    /// <summary>Hyperbolic tangent.</summary>
    public Tensor Tanh() => Batched is null ? TanhOp.Apply(this) : BatchingRules.Map(this, static p => p.Tanh());
    /// <summary>The logistic sigmoid 1/(1+e⁻ˣ).</summary>
    public Tensor Sigmoid() => Batched is null ? SigmoidOp.Apply(this) : BatchingRules.Map(this, static p => p.Sigmoid());
    /// <summary>max(x, 0).</summary>
    public Tensor Relu() => Batched is null ? ReluOp.Apply(this) : BatchingRules.Map(this, static p => p.Relu());
    /// <summary>x².</summary>
    public Tensor Square() => Batched is null ? PowScalarOp.Apply(this, 2) : BatchingRules.Map(this, static p => p.Square());
    /// <summary>The max gate: the larger of the two element-wise (broadcasting); ties split the gradient evenly.</summary>
    public Tensor Maximum(Tensor other) => Batched is null && other.Batched is null ? ExtremumOp.Apply(this, other, max: true) : BatchingRules.Zip(this, other, static (a, b) => a.Maximum(b));
    /// <summary>The smaller of the two element-wise (broadcasting); ties split the gradient evenly.</summary>
    public Tensor Minimum(Tensor other) => Batched is null && other.Batched is null ? ExtremumOp.Apply(this, other, max: false) : BatchingRules.Zip(this, other, static (a, b) => a.Minimum(b));
    /// <summary>max(x, c) element-wise.</summary>
    public Tensor Maximum(double other) => Batched is null ? ExtremumScalarOp.Apply(this, other, max: true) : BatchingRules.Map(this, other, static (p, c) => p.Maximum(c));
    /// <summary>min(x, c) element-wise.</summary>
    public Tensor Minimum(double other) => Batched is null ? ExtremumScalarOp.Apply(this, other, max: false) : BatchingRules.Map(this, other, static (p, c) => p.Minimum(c));
    /// <summary>Limits every element to [min, max].</summary>
    public Tensor Clamp(double min = double.NegativeInfinity, double max = double.PositiveInfinity) =>
        Batched is null ? ClampOp.Apply(this, min, max) : BatchingRules.Map(this, (min, max), static (p, r) => p.Clamp(r.min, r.max));

    /// <summary>Elements of <paramref name="a"/> where <paramref name="condition"/> is non-zero, else of <paramref name="b"/> (all broadcast).</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b) =>
        condition.Batched is null && a.Batched is null && b.Batched is null ? WhereOp.Apply(condition, a, b) : BatchingRules.Where(condition, a, b);

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
    public Tensor To(DType dtype) => Batched is null ? CastOp.Apply(this, dtype) : BatchingRules.Map(this, dtype, static (p, d) => p.To(d));

    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);
    public static Tensor operator -(Tensor a) => a.Neg();
    public static Tensor operator +(Tensor a, double s) => a.Batched is null ? AddScalarOp.Apply(a, s) : BatchingRules.Map(a, s, static (p, c) => p + c);
    public static Tensor operator +(double s, Tensor a) => a + s;
    public static Tensor operator -(Tensor a, double s) => a.Batched is null ? SubtractScalarOp.Apply(a, s) : BatchingRules.Map(a, s, static (p, c) => p - c);
    public static Tensor operator -(double s, Tensor a) => a.Batched is null ? ScalarSubtractOp.Apply(a, s) : BatchingRules.Map(a, s, static (p, c) => c - p);
    public static Tensor operator *(Tensor a, double s) => a.Batched is null ? MultiplyScalarOp.Apply(a, s) : BatchingRules.Map(a, s, static (p, c) => p * c);
    public static Tensor operator *(double s, Tensor a) => a * s;
    public static Tensor operator /(Tensor a, double s) => a.Batched is null ? DivideScalarOp.Apply(a, s) : BatchingRules.Map(a, s, static (p, c) => p / c);
    public static Tensor operator /(double s, Tensor a) => a.Batched is null ? ScalarDivideOp.Apply(a, s) : BatchingRules.Map(a, s, static (p, c) => c / p);
}
