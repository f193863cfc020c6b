using System.Globalization;

namespace Backprop.Cli.Bench;

/// <summary>
/// One product of `bench gemm-sweep`: op(A) M×K times op(B) K×N, where A is stored K×M when <see cref="TransA"/> and
/// B is stored N×K when <see cref="TransB"/> (the BLAS flags, read in place). Named sgemm_N for a square product of
/// stored A and B, and sgemm_MxKxN_xy otherwise, xy being n (as stored) or t (stored transposed) for A and B;
/// dgemm_ for float64. tools/gemm_sweep.py and tools/gemm-sweep-torchsharp use the same list and names.
/// </summary>
public readonly record struct GemmShape(int M, int K, int N, bool TransA, bool TransB)
{
    /// <summary>The largest dimension accepted: a 16384² float64 operand is already 2 GB.</summary>
    public const int MaxDimension = 16384;

    /// <summary>The square sizes of the sweep.</summary>
    public static readonly int[] SquareSizes = [64, 128, 256, 384, 512, 768, 1024, 1536, 2048];

    /// <summary>
    /// The skinny products training runs, as the fused linear operator (src/Backprop/Ops/LinearOp.cs) calls the GEMM for y = x·Wᵀ with
    /// x [rows, in] and W [out, in]: forward y = x·Wᵀ (nt), backward dX = G·W (nn) and dW = Gᵀ·x (tn).
    /// 768×128·128×384 is a 128 → 384 layer over 768 rows (the GPT's query/key/value projection, 12 × 64
    /// positions); 64×784·784×256 is the Fashion-MNIST MLP's first layer at batch 64.
    /// </summary>
    public static readonly GemmShape[] TrainingShapes =
    [
        new(768, 128, 384, false, true),    // forward y = x·Wᵀ
        new(768, 384, 128, false, false),   // dX = G·W
        new(384, 768, 128, true, false),    // dW = Gᵀ·x
        new(64, 784, 256, false, true),
        new(64, 256, 784, false, false),
        new(256, 64, 784, true, false),
    ];

    /// <summary>The whole sweep: the square sizes, then the training shapes.</summary>
    public static IReadOnlyList<GemmShape> Sweep =>
        [.. SquareSizes.Select(n => new GemmShape(n, n, n, false, false)), .. TrainingShapes];

    /// <summary>Multiply-adds times two.</summary>
    public double Flops => 2.0 * M * K * N;

    /// <summary>True for the plain square product, named by its size alone.</summary>
    public bool IsSquare => M == K && K == N && !TransA && !TransB;

    /// <summary>The stored shape of A: [M, K], or [K, M] when transposed.</summary>
    public int[] StoredA => TransA ? [K, M] : [M, K];

    /// <summary>The stored shape of B: [K, N], or [N, K] when transposed.</summary>
    public int[] StoredB => TransB ? [N, K] : [K, N];

    /// <summary>The figure's name, with the prefix s (float32) or d (float64).</summary>
    public string Name(DType dtype) => (dtype == DType.Float64 ? "d" : "s") + "gemm_" + Suffix;

    /// <summary>The part of the name after "gemm_": the size, or MxKxN_xy.</summary>
    public string Suffix => IsSquare
        ? M.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{M}x{K}x{N}_{(TransA ? 't' : 'n')}{(TransB ? 't' : 'n')}");

    /// <summary>
    /// Parses a comma-separated list of sizes N (square) and shapes MxKxN_xy (xy one of nn, nt, tn, tt); "square" stands
    /// for the square sizes and "training" for the training shapes. Throws <see cref="UsageException"/> with the offending entry.
    /// </summary>
    public static IReadOnlyList<GemmShape> ParseList(string text, string option)
    {
        var shapes = new List<GemmShape>();
        foreach (string raw in text.Split(','))
        {
            string entry = raw.Trim();
            if (entry == "training") { shapes.AddRange(TrainingShapes); continue; }
            if (entry == "square") { shapes.AddRange(SquareSizes.Select(n => new GemmShape(n, n, n, false, false))); continue; }
            var shape = Parse(entry)
                ?? throw new UsageException($"--{option}: '{entry}' is neither a size N nor a shape MxKxN_xy (xy one of nn, nt, tn, tt), nor 'square' or 'training'");
            int[] dims = [shape.M, shape.K, shape.N];
            if (dims.Any(d => d < 1 || d > MaxDimension))
                throw new UsageException($"--{option}: the dimensions of '{entry}' must be between 1 and {MaxDimension}");
            shapes.Add(shape);
        }
        return shapes;
    }

    private static GemmShape? Parse(string entry)
    {
        if (TryDimension(entry, out int size)) return new GemmShape(size, size, size, false, false);
        int underscore = entry.IndexOf('_');
        if (underscore < 0) return null;
        string flags = entry[(underscore + 1)..];
        string[] dims = entry[..underscore].Split('x');
        if (flags.Length != 2 || flags.Any(c => c != 'n' && c != 't') || dims.Length != 3) return null;
        if (!TryDimension(dims[0], out int m) || !TryDimension(dims[1], out int k) || !TryDimension(dims[2], out int n)) return null;
        return new GemmShape(m, k, n, flags[0] == 't', flags[1] == 't');
    }

    // Digits only, so "+64", " 64" or "6e1" are not sizes; a number too large for int is reported by the range check.
    private static bool TryDimension(string text, out int value)
    {
        value = 0;
        if (text.Length == 0 || !text.All(char.IsAsciiDigit)) return false;
        value = long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long v) && v <= int.MaxValue ? (int)v : int.MaxValue;
        return true;
    }
}
