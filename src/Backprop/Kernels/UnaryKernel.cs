using System.Numerics;
using System.Numerics.Tensors;

namespace Backprop.Kernels;

/// <summary>The element-wise functions of one argument.</summary>
internal enum UnaryFunction { Negate, Exp, Log, Sqrt, Abs, Tanh, Sigmoid, Relu, Square, Reciprocal }

/// <summary>Element-wise functions over contiguous spans, vectorised by <see cref="TensorPrimitives"/>.</summary>
internal static class UnaryKernel
{
    public static void Apply<T>(UnaryFunction f, ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (f)
        {
            case UnaryFunction.Negate: TensorPrimitives.Negate(x, y); break;
            case UnaryFunction.Exp: TensorPrimitives.Exp(x, y); break;
            case UnaryFunction.Log: TensorPrimitives.Log(x, y); break;
            case UnaryFunction.Sqrt: TensorPrimitives.Sqrt(x, y); break;
            case UnaryFunction.Abs: TensorPrimitives.Abs(x, y); break;
            case UnaryFunction.Tanh: TensorPrimitives.Tanh(x, y); break;
            case UnaryFunction.Sigmoid: TensorPrimitives.Sigmoid(x, y); break;
            case UnaryFunction.Relu: TensorPrimitives.Max(x, T.Zero, y); break;
            case UnaryFunction.Square: TensorPrimitives.Multiply(x, x, y); break;
            case UnaryFunction.Reciprocal: TensorPrimitives.Divide(T.One, x, y); break;
            default: throw new ArgumentOutOfRangeException(nameof(f));
        }
    }
}
