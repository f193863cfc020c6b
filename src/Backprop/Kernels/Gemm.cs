using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Backprop.Kernels;

/// <summary>
/// Dense row-major matrix multiplication (GEMM) for <see cref="float"/> and <see cref="double"/>: packed,
/// cache-blocked, with register-blocked AVX-512 / AVX2 micro-kernels chosen at run time, and spread over
/// <see cref="Parallelism.MaxThreads"/> threads by splitting C (never k), so results are bit-identical for
/// any thread count.
/// </summary>
public static class Gemm
{
    /// <summary>
    /// Products of at most this many multiply-adds skip packing and threading (see <see cref="GemmDirect"/>):
    /// below it, packing A and B costs as much as the arithmetic it speeds up.
    /// </summary>
    internal const long DirectMaxWork = 32 * 1024;

    private static readonly GemmIsa s_detectedIsa = DetectIsa();

    // Created on first use, so calls read one static field until a test lowers the instruction set.
    private static AsyncLocal<GemmIsa?>? s_isaOverride;

    /// <summary>
    /// The instruction set used by calls made from the current async flow: the best one the hardware accelerates,
    /// unless lowered (per flow, so concurrent callers are unaffected; kernels' parallel items inherit it) to
    /// exercise the fallbacks in tests.
    /// </summary>
    internal static GemmIsa Isa
    {
        get => s_isaOverride?.Value ?? s_detectedIsa;
        set => LazyInitializer.EnsureInitialized(ref s_isaOverride).Value = value > s_detectedIsa ? s_detectedIsa : value;
    }

    private static GemmIsa DetectIsa() =>
        Vector512.IsHardwareAccelerated ? GemmIsa.Vector512
        : Vector256.IsHardwareAccelerated && (Fma.IsSupported || !X86Base.IsSupported) ? GemmIsa.Vector256
        : GemmIsa.Scalar;

    /// <summary>
    /// C (m×n) = op(A)·op(B), or C += op(A)·op(B) when <paramref name="accumulate"/>. Row-major, dense.
    /// op(A) is m×k: A is stored m×k, or k×m when <paramref name="transA"/>.
    /// op(B) is k×n: B is stored k×n, or n×k when <paramref name="transB"/>.
    /// </summary>
    /// <param name="a">A, at least m·k elements (extra elements are ignored).</param>
    /// <param name="b">B, at least k·n elements.</param>
    /// <param name="c">C, at least m·n elements; must not overlap <paramref name="a"/> or <paramref name="b"/>.</param>
    /// <param name="m">Rows of op(A) and C.</param>
    /// <param name="n">Columns of op(B) and C.</param>
    /// <param name="k">Columns of op(A), rows of op(B). When 0, C is zeroed (or left unchanged when accumulating).</param>
    /// <param name="transA">A is stored transposed (k×m).</param>
    /// <param name="transB">B is stored transposed (n×k).</param>
    /// <param name="accumulate">Add the product to C instead of overwriting it.</param>
    /// <exception cref="ArgumentException">An operand is shorter than its dimensions require.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative.</exception>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k,
        bool transA = false, bool transB = false, bool accumulate = false) =>
        Multiply<float>(a, b, c, m, n, k, transA, transB, accumulate);

    /// <inheritdoc cref="Multiply(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool, bool, bool)"/>
    public static void Multiply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c, int m, int n, int k,
        bool transA = false, bool transB = false, bool accumulate = false) =>
        Multiply<double>(a, b, c, m, n, k, transA, transB, accumulate);

    /// <summary>
    /// The generic form of <see cref="Multiply(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool, bool, bool)"/>
    /// for code that is itself generic over the element type; the JIT specialises it per type.
    /// </summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    internal static void Multiply<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int n, int k,
        bool transA = false, bool transB = false, bool accumulate = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
            throw GemmVector.Unsupported<T>();
        Validate(a.Length, b.Length, c.Length, m, n, k);
        if (m == 0 || n == 0)
            return;
        if (k == 0)
        {
            if (!accumulate)
                c[..(m * n)].Clear();
            return;
        }
        Run(a, b, c, m, n, k, transA, transB, accumulate, default);
    }

    /// <summary>
    /// C (m×n) = bias + op(A)·op(B), the row vector <paramref name="bias"/> (n elements) added to every row: each element's
    /// sum starts from its bias and adds the products in order of k, exactly as copying the bias into C and then
    /// accumulating would, but without that extra pass over C (the micro-kernels start their tiles from the bias).
    /// Layouts as in <see cref="Multiply{T}"/>. Serves the fully connected layer's forward pass.
    /// </summary>
    /// <exception cref="ArgumentException">An operand or the bias is shorter than the dimensions require.</exception>
    internal static void MultiplyAddRow<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> bias, Span<T> c, int m, int n, int k,
        bool transA = false, bool transB = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
            throw GemmVector.Unsupported<T>();
        Validate(a.Length, b.Length, c.Length, m, n, k);
        if (bias.Length < n)
            ThrowShortBias(bias.Length, n);
        if (m == 0 || n == 0)
            return;
        if (k == 0 || (long)m * n * k <= DirectMaxWork)
        {
            // Small products: the direct path has no tile to start from the bias, so seed the rows and accumulate.
            for (int r = 0; r < m; r++)
                bias[..n].CopyTo(c.Slice(r * n, n));
            if (k > 0)
                Run(a, b, c, m, n, k, transA, transB, accumulate: true, default);
            return;
        }
        Run(a, b, c, m, n, k, transA, transB, accumulate: false, bias);
    }

    // The GEMM's loops (here, the driver, the packing and the direct path) are compiled optimized from the first call:
    // in unoptimized first-tier code a 64³ product ran at half speed for its first ~100 ms of calls (a whole benchmark
    // or the first steps of training), and these loops gain nothing from the profile the tiers would collect.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Run<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int n, int k, bool transA, bool transB,
        bool accumulate, ReadOnlySpan<T> bias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // The operands stay pinned for the whole call, including while pool threads work on them. An empty bias
        // pins to null: no bias.
        fixed (T* pa = a, pb = b, pc = c, pbias = bias)
        {
            var isa = Isa;
            if ((long)m * n * k <= DirectMaxWork)
                GemmDirect.Run(pa, pb, pc, m, n, k, transA, transB, accumulate, isa);
            else if (isa == GemmIsa.Vector512)
                GemmDriver<T, GemmKernelSimd<T, Vector512<T>, GemmVector512<T>>>.Run(pa, pb, pc, m, n, k, transA, transB, accumulate, pbias);
            else if (isa == GemmIsa.Vector256)
                GemmDriver<T, GemmKernelSimd<T, Vector256<T>, GemmVector256<T>>>.Run(pa, pb, pc, m, n, k, transA, transB, accumulate, pbias);
            else
                GemmDriver<T, GemmKernelScalar<T>>.Run(pa, pb, pc, m, n, k, transA, transB, accumulate, pbias);
        }
    }

    private static void Validate(int aLength, int bLength, int cLength, int m, int n, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (aLength < (long)m * k)
            Throw("a", aLength, "m*k", m, k);
        if (bLength < (long)k * n)
            Throw("b", bLength, "k*n", k, n);
        if (cLength < (long)m * n)
            Throw("c", cLength, "m*n", m, n);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowShortBias(int length, int n) =>
        throw new ArgumentException($"Operand bias has length {length} but n = {n} elements are required.", "bias");

    // Kept out of line so the message is only formatted when it is thrown.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Throw(string name, int length, string product, int x, int y) =>
        throw new ArgumentException(
            $"Operand {name} has length {length} but {product} = {x}*{y} = {(long)x * y} elements are required.", name);
}

/// <summary>Instruction sets the GEMM kernels can run on, in increasing order of width.</summary>
internal enum GemmIsa
{
    /// <summary>Portable scalar code.</summary>
    Scalar,

    /// <summary>256-bit vectors with FMA (AVX2 + FMA3 on x64).</summary>
    Vector256,

    /// <summary>512-bit vectors (AVX-512F).</summary>
    Vector512,
}
