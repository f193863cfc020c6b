using System.Numerics;
using System.Numerics.Tensors;

namespace Backprop.Kernels;

/// <summary>The local-gradient products of the element-wise operators, each fused into one pass without temporaries.</summary>
internal enum GradientFunction
{
    /// <summary>g·(1 − y²), y = tanh x.</summary>
    Tanh,
    /// <summary>g·y·(1 − y), y = σ(x).</summary>
    Sigmoid,
    /// <summary>g where y &gt; 0, else 0.</summary>
    Relu,
    /// <summary>g / (2y), y = √x.</summary>
    Sqrt,
    /// <summary>g / x.</summary>
    Log,
    /// <summary>g·y, y = eˣ.</summary>
    Exp,
}

/// <summary>Computes d = g ⊙ local(s) for a saved value s (the forward's input or output, per function).</summary>
internal static unsafe class GradientKernel
{
    /// <summary>
    /// Elements per work item of the parallel forms. These passes are bound by memory bandwidth, which on this class
    /// of machine is per core, so large activations (a CNN's first layers: millions of elements) are split over cores.
    /// Each element is computed on its own, so the split cannot change a result.
    /// </summary>
    private const int Chunk = 32 * 1024;

    /// <summary><see cref="Apply{T}"/> spread over cores in fixed chunks.</summary>
    public static void ApplyParallel<T>(GradientFunction f, ReadOnlySpan<T> g, ReadOnlySpan<T> s, Span<T> d)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (d.Length <= Chunk)
        {
            Apply(f, g, s, d);
            return;
        }
        fixed (T* pg = g) fixed (T* ps = s) fixed (T* pd = d)
        {
            var body = new ChunkBody<T> { F = f, G = pg, S = ps, D = pd, Length = d.Length };
            Parallelism.For((d.Length + Chunk - 1) / Chunk, Chunk, body);
        }
    }

    /// <summary>y = max(x, 0) (NaN stays NaN, as <see cref="TensorPrimitives.Max{T}(ReadOnlySpan{T}, T, Span{T})"/>), spread over cores in fixed chunks.</summary>
    public static void ReluParallel<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (y.Length <= Chunk)
        {
            TensorPrimitives.Max(x, T.Zero, y);
            return;
        }
        fixed (T* px = x) fixed (T* py = y)
        {
            var body = new ChunkBody<T> { Forward = true, S = px, D = py, Length = y.Length };
            Parallelism.For((y.Length + Chunk - 1) / Chunk, Chunk, body);
        }
    }

    private struct ChunkBody<T> : IParallelBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public GradientFunction F;
        public bool Forward;
        public T* G, S, D;
        public int Length;

        public readonly void Invoke(int index)
        {
            int start = index * Chunk, count = Math.Min(Chunk, Length - start);
            var s = new ReadOnlySpan<T>(S + start, count);
            var d = new Span<T>(D + start, count);
            if (Forward) TensorPrimitives.Max(s, T.Zero, d);
            else Apply(F, new ReadOnlySpan<T>(G + start, count), s, d);
        }
    }

    public static void Apply<T>(GradientFunction f, ReadOnlySpan<T> g, ReadOnlySpan<T> s, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (d.Length == 1)
        {
            d[0] = Scalar(f, g[0], s[0]);
            return;
        }
        switch (f)
        {
            case GradientFunction.Tanh:
                TensorPrimitives.Multiply(s, s, d);
                TensorPrimitives.Subtract(T.One, d, d);
                TensorPrimitives.Multiply(d, g, d);
                break;
            case GradientFunction.Sigmoid:
                TensorPrimitives.Subtract(T.One, s, d);
                TensorPrimitives.Multiply(d, s, d);
                TensorPrimitives.Multiply(d, g, d);
                break;
            case GradientFunction.Relu: Relu(g, s, d); break;
            case GradientFunction.Sqrt:
                TensorPrimitives.Divide(g, s, d);
                TensorPrimitives.Multiply(d, T.CreateTruncating(0.5), d);
                break;
            case GradientFunction.Log: TensorPrimitives.Divide(g, s, d); break;
            default: TensorPrimitives.Multiply(g, s, d); break;
        }
    }

    private static T Scalar<T>(GradientFunction f, T g, T s) where T : unmanaged, IFloatingPointIeee754<T> => f switch
    {
        GradientFunction.Tanh => g * (T.One - s * s),
        GradientFunction.Sigmoid => g * s * (T.One - s),
        GradientFunction.Relu => s > T.Zero ? g : T.Zero,
        GradientFunction.Sqrt => g / (s + s),
        GradientFunction.Log => g / s,
        _ => g * s,
    };

    // Vectorised select: keep g where the saved output is positive.
    private static void Relu<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && d.Length >= Vector<T>.Count)
        {
            for (; i <= d.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var vy = new Vector<T>(y[i..]);
                var vg = new Vector<T>(g[i..]);
                Vector.ConditionalSelect(Vector.GreaterThan(vy, Vector<T>.Zero), vg, Vector<T>.Zero).CopyTo(d[i..]);
            }
        }
        for (; i < d.Length; i++) d[i] = y[i] > T.Zero ? g[i] : T.Zero;
    }
}
