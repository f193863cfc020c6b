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
    public Tensor Pow(double exponent) => ScalarOp.Apply(this, exponent, BinaryFunction.Pow);
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
    public Tensor Square() => ScalarOp.Apply(this, 2, BinaryFunction.Pow);
    /// <summary>The max gate: the larger of the two element-wise (broadcasting); ties split the gradient evenly.</summary>
    public Tensor Maximum(Tensor other) => ExtremumOp.Apply(this, other, max: true);
    /// <summary>The smaller of the two element-wise (broadcasting); ties split the gradient evenly.</summary>
    public Tensor Minimum(Tensor other) => ExtremumOp.Apply(this, other, max: false);
    /// <summary>max(x, c) element-wise.</summary>
    public Tensor Maximum(double other) => ScalarOp.Apply(this, other, BinaryFunction.Max);
    /// <summary>min(x, c) element-wise.</summary>
    public Tensor Minimum(double other) => ScalarOp.Apply(this, other, BinaryFunction.Min);
    /// <summary>Limits every element to [min, max].</summary>
    public Tensor Clamp(double min = double.NegativeInfinity, double max = double.PositiveInfinity) => ClampOp.Apply(this, min, max);

    /// <summary>Elements of <paramref name="a"/> where <paramref name="condition"/> is non-zero, else of <paramref name="b"/> (all broadcast).</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b) => WhereOp.Apply(condition, a, b);

    /// <summary>1 where this &gt; other, else 0 (a mask with no gradient), broadcasting.</summary>
    public Tensor Greater(Tensor other)
    {
        using var _ = Autograd.NoGrad();
        var d = Sub(other);
        return Elementwise.Mask(d, MaskKernel.Positive, MaskKernel.Positive);
    }

    /// <summary>1 where this &gt; c, else 0 (a mask with no gradient).</summary>
    public Tensor Greater(double c)
    {
        using var _ = Autograd.NoGrad();
        return Elementwise.Mask(Elementwise.WithScalar("greater", this, c, BinaryFunction.Subtract), MaskKernel.Positive, MaskKernel.Positive);
    }

    /// <summary>Converts to another dtype (the gradient is converted back).</summary>
    public Tensor To(DType dtype) => CastOp.Apply(this, dtype);

    public static Tensor operator +(Tensor a, Tensor b) => AddOp.Apply(a, b);
    public static Tensor operator -(Tensor a, Tensor b) => SubtractOp.Apply(a, b);
    public static Tensor operator *(Tensor a, Tensor b) => MultiplyOp.Apply(a, b);
    public static Tensor operator /(Tensor a, Tensor b) => DivideOp.Apply(a, b);
    public static Tensor operator -(Tensor a) => NegateOp.Apply(a);
    public static Tensor operator +(Tensor a, double s) => ScalarOp.Apply(a, s, BinaryFunction.Add);
    public static Tensor operator +(double s, Tensor a) => ScalarOp.Apply(a, s, BinaryFunction.Add, scalarFirst: true);
    public static Tensor operator -(Tensor a, double s) => ScalarOp.Apply(a, s, BinaryFunction.Subtract);
    public static Tensor operator -(double s, Tensor a) => ScalarOp.Apply(a, s, BinaryFunction.Subtract, scalarFirst: true);
    public static Tensor operator *(Tensor a, double s) => ScalarOp.Apply(a, s, BinaryFunction.Multiply);
    public static Tensor operator *(double s, Tensor a) => ScalarOp.Apply(a, s, BinaryFunction.Multiply, scalarFirst: true);
    public static Tensor operator /(Tensor a, double s) => ScalarOp.Apply(a, s, BinaryFunction.Divide);
    public static Tensor operator /(double s, Tensor a) => ScalarOp.Apply(a, s, BinaryFunction.Divide, scalarFirst: true);
}
