using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Backprop.Kernels;

/// <summary>
/// The one loop behind every element-wise function (<see cref="IUnaryFunction"/>, <see cref="ILocalGradient"/>,
/// <see cref="IBinaryFunction"/>) on contiguous spans: vectorised within a chunk, and spread over cores in fixed
/// chunks for large spans. These passes are bound by memory bandwidth, which on this class of machine is per core,
/// so a CNN's activations (millions of elements) are split. Each element is computed on its own, so the split
/// cannot change a result.
/// </summary>
internal static unsafe class ElementwiseKernel
{
    /// <summary>Elements per work item; spans up to this length run inline on the caller.</summary>
    internal const int Chunk = 32 * 1024;

    /// <summary>y = f(x).</summary>
    public static void Map<T, TF>(TF f, ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T> where TF : struct, IUnaryFunction
    {
        if (y.Length <= Chunk)
        {
            f.Invoke(x, y);
            return;
        }
        fixed (T* px = x) fixed (T* py = y)
            Split(y.Length, new MapChunk<T, TF> { F = f, X = px, Y = py });
    }

    /// <summary>d = g · f′(s), one pass.</summary>
    public static void Gradient<T, TG>(TG f, ReadOnlySpan<T> g, ReadOnlySpan<T> s, Span<T> d)
        where T : unmanaged, IFloatingPointIeee754<T> where TG : struct, ILocalGradient
    {
        if (d.Length <= Chunk)
        {
            GradientVectorised(f, g, s, d);
            return;
        }
        fixed (T* pg = g) fixed (T* ps = s) fixed (T* pd = d)
            Split(d.Length, new GradientChunk<T, TG> { F = f, G = pg, S = ps, D = pd });
    }

    /// <summary>y ← f(y) in place, and slope = f′ of the value y held before, one pass.</summary>
    public static void MapWithSlope<T, TF>(TF f, Span<T> y, Span<T> slope)
        where T : unmanaged, IFloatingPointIeee754<T> where TF : struct, IValueAndSlope
    {
        if (y.Length != slope.Length) throw new ArgumentException("internal: value and slope spans differ in length");
        if (y.Length <= Chunk)
        {
            MapWithSlopeVectorised(f, y, slope);
            return;
        }
        fixed (T* py = y) fixed (T* ps = slope)
            Split(y.Length, new MapWithSlopeChunk<T, TF> { F = f, Y = py, S = ps });
    }

    /// <summary>The vector loop of <see cref="MapWithSlope"/>: the widest accelerated vectors, then single lanes of the 128-bit form.</summary>
    internal static void MapWithSlopeVectorised<T, TF>(TF f, Span<T> y, Span<T> slope)
        where T : unmanaged, IFloatingPointIeee754<T> where TF : struct, IValueAndSlope
    {
        ref T ry = ref MemoryMarshal.GetReference(y);
        ref T rs = ref MemoryMarshal.GetReference(slope);
        nuint n = (nuint)y.Length, i = 0;
        if (Vector512.IsHardwareAccelerated && n >= (nuint)Vector512<T>.Count)
        {
            for (; i <= n - (nuint)Vector512<T>.Count; i += (nuint)Vector512<T>.Count)
            {
                f.Invoke(Vector512.LoadUnsafe(ref ry, i), out var s).StoreUnsafe(ref ry, i);
                s.StoreUnsafe(ref rs, i);
            }
        }
        else if (Vector256.IsHardwareAccelerated && n >= (nuint)Vector256<T>.Count)
        {
            for (; i <= n - (nuint)Vector256<T>.Count; i += (nuint)Vector256<T>.Count)
            {
                f.Invoke(Vector256.LoadUnsafe(ref ry, i), out var s).StoreUnsafe(ref ry, i);
                s.StoreUnsafe(ref rs, i);
            }
        }
        for (; i < n; i++)
        {
            Unsafe.Add(ref ry, i) = f.Invoke(Vector128.Create(Unsafe.Add(ref ry, i)), out var s).ToScalar();
            Unsafe.Add(ref rs, i) = s.ToScalar();
        }
    }

    /// <summary>y = f(a, b) for two spans.</summary>
    public static void Zip<T, TF>(TF f, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T> where TF : struct, IBinaryFunction
    {
        if (y.Length <= Chunk)
        {
            f.Invoke(a, b, y);
            return;
        }
        fixed (T* pa = a) fixed (T* pb = b) fixed (T* py = y)
            Split(y.Length, new ZipChunk<T, TF> { F = f, A = pa, B = pb, Y = py });
    }

    /// <summary>y = f(a, b) for a span and a scalar, in the order <paramref name="scalarFirst"/> says.</summary>
    public static void Zip<T, TF>(TF f, ReadOnlySpan<T> x, T scalar, bool scalarFirst, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T> where TF : struct, IBinaryFunction
    {
        if (y.Length <= Chunk)
        {
            if (scalarFirst) f.Invoke(scalar, x, y);
            else f.Invoke(x, scalar, y);
            return;
        }
        fixed (T* px = x) fixed (T* py = y)
            Split(y.Length, new ZipScalarChunk<T, TF> { F = f, X = px, Scalar = scalar, ScalarFirst = scalarFirst, Y = py });
    }

    /// <summary>The vector loop of a local gradient: the widest accelerated vectors, then the scalar definition for the tail.</summary>
    internal static void GradientVectorised<T, TG>(TG f, ReadOnlySpan<T> g, ReadOnlySpan<T> s, Span<T> d)
        where T : unmanaged, IFloatingPointIeee754<T> where TG : struct, ILocalGradient
    {
        if (g.Length != d.Length || s.Length != d.Length) throw new ArgumentException("internal: gradient spans differ in length");
        ref T rg = ref MemoryMarshal.GetReference(g);
        ref T rs = ref MemoryMarshal.GetReference(s);
        ref T rd = ref MemoryMarshal.GetReference(d);
        nuint n = (nuint)d.Length, i = 0;
        if (Vector512.IsHardwareAccelerated && n >= (nuint)Vector512<T>.Count)
        {
            for (; i <= n - (nuint)Vector512<T>.Count; i += (nuint)Vector512<T>.Count)
                f.Invoke(Vector512.LoadUnsafe(ref rg, i), Vector512.LoadUnsafe(ref rs, i)).StoreUnsafe(ref rd, i);
        }
        else if (Vector256.IsHardwareAccelerated && n >= (nuint)Vector256<T>.Count)
        {
            for (; i <= n - (nuint)Vector256<T>.Count; i += (nuint)Vector256<T>.Count)
                f.Invoke(Vector256.LoadUnsafe(ref rg, i), Vector256.LoadUnsafe(ref rs, i)).StoreUnsafe(ref rd, i);
        }
        else if (Vector128.IsHardwareAccelerated && n >= (nuint)Vector128<T>.Count)
        {
            for (; i <= n - (nuint)Vector128<T>.Count; i += (nuint)Vector128<T>.Count)
                f.Invoke(Vector128.LoadUnsafe(ref rg, i), Vector128.LoadUnsafe(ref rs, i)).StoreUnsafe(ref rd, i);
        }
        for (; i < n; i++) Unsafe.Add(ref rd, i) = f.Invoke(Unsafe.Add(ref rg, i), Unsafe.Add(ref rs, i));
    }

    private static void Split<TWork>(int length, TWork work) where TWork : struct, IChunkWork =>
        Parallelism.For((length + Chunk - 1) / Chunk, Chunk, new ChunkBody<TWork> { Work = work, Length = length });

    /// <summary>The computation over elements [start, start + count) of the spans a work struct points at.</summary>
    private interface IChunkWork
    {
        void Run(int start, int count);
    }

    private struct ChunkBody<TWork> : IParallelBody where TWork : struct, IChunkWork
    {
        public TWork Work;
        public int Length;

        public readonly void Invoke(int index)
        {
            int start = index * Chunk;
            Work.Run(start, Math.Min(Chunk, Length - start));
        }
    }

    private struct MapChunk<T, TF> : IChunkWork where T : unmanaged, IFloatingPointIeee754<T> where TF : struct, IUnaryFunction
    {
        public TF F;
        public T* X, Y;
        public readonly void Run(int start, int count) => F.Invoke(new ReadOnlySpan<T>(X + start, count), new Span<T>(Y + start, count));
    }

    private struct GradientChunk<T, TG> : IChunkWork where T : unmanaged, IFloatingPointIeee754<T> where TG : struct, ILocalGradient
    {
        public TG F;
        public T* G, S, D;
        public readonly void Run(int start, int count) =>
            GradientVectorised(F, new ReadOnlySpan<T>(G + start, count), new ReadOnlySpan<T>(S + start, count), new Span<T>(D + start, count));
    }

    private struct MapWithSlopeChunk<T, TF> : IChunkWork where T : unmanaged, IFloatingPointIeee754<T> where TF : struct, IValueAndSlope
    {
        public TF F;
        public T* Y, S;
        public readonly void Run(int start, int count) => MapWithSlopeVectorised(F, new Span<T>(Y + start, count), new Span<T>(S + start, count));
    }

    private struct ZipChunk<T, TF> : IChunkWork where T : unmanaged, IFloatingPointIeee754<T> where TF : struct, IBinaryFunction
    {
        public TF F;
        public T* A, B, Y;
        public readonly void Run(int start, int count) =>
            F.Invoke(new ReadOnlySpan<T>(A + start, count), new ReadOnlySpan<T>(B + start, count), new Span<T>(Y + start, count));
    }

    private struct ZipScalarChunk<T, TF> : IChunkWork where T : unmanaged, IFloatingPointIeee754<T> where TF : struct, IBinaryFunction
    {
        public TF F;
        public T* X, Y;
        public T Scalar;
        public bool ScalarFirst;

        public readonly void Run(int start, int count)
        {
            var x = new ReadOnlySpan<T>(X + start, count);
            var y = new Span<T>(Y + start, count);
            if (ScalarFirst) F.Invoke(Scalar, x, y);
            else F.Invoke(x, Scalar, y);
        }
    }
}
