using Backprop.Kernels;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Backprop.Bench;

/// <summary>
/// One GEMM of the gpt_char training step (../shared/bench/GPT.md: B·T = 768 rows, C = 128, 4 heads, V = 83), with
/// the operand layouts the linear layers hand to <see cref="Gemm.Multiply(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool, bool, bool)"/>:
/// the forward y = x·Wᵀ (B stored transposed), the input gradient dX = dY·W (both plain) and the weight gradient
/// dW = dYᵀ·X (A stored transposed, k = 768).
/// </summary>
public sealed record GptGemmShape(string Name, int M, int N, int K, bool TransA, bool TransB)
{
    /// <summary>Floating-point operations of one product (a multiply-add counts two).</summary>
    public double Flops => 2.0 * M * N * K;

    /// <summary>How many times one training iteration runs this product (the four blocks, or once for lm_head).</summary>
    public int PerIteration => Name.StartsWith("lm_head", StringComparison.Ordinal) ? 1 : 4;

    /// <summary>The GEMM products of one iteration's linear layers: forward, input gradient and weight gradient of each.</summary>
    public static readonly GptGemmShape[] All = Build();

    private static GptGemmShape[] Build()
    {
        const int rows = 768; // B·T
        (string Layer, int In, int Out)[] layers =
            [("c_attn", 128, 384), ("attn_proj", 128, 128), ("c_fc", 128, 512), ("mlp_proj", 512, 128), ("lm_head", 128, 83)];
        var shapes = new List<GptGemmShape>();
        foreach (var (layer, inF, outF) in layers)
        {
            shapes.Add(new($"{layer}.fwd", rows, outF, inF, false, true));   // [768, in]·[out, in]ᵀ
            shapes.Add(new($"{layer}.dX", rows, inF, outF, false, false));   // [768, out]·[out, in]
            shapes.Add(new($"{layer}.dW", outF, inF, rows, true, false));    // [768, out]ᵀ·[768, in]
        }
        return [.. shapes];
    }

    /// <summary>Shown in BenchmarkDotNet's table: the name and m×n×k with the stored layouts (N plain, T transposed).</summary>
    public override string ToString() => $"{Name} {M}x{N}x{K} {(TransA ? 'T' : 'N')}{(TransB ? 'T' : 'N')}";
}

/// <summary>
/// The gpt_char step's GEMM products at exactly their shapes and layouts, at 1 and all threads, with a GFLOPS column
/// (2·m·n·k over the mean time). `dotnet run -c Release --project bench/Backprop.Bench -- --filter '*GptGemm*'`.
/// For quick in-process figures on a shared machine, `-- gpt-gemm` (see <see cref="GptGemmQuick"/>).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(GflopsConfig))]
public class GptGemmBenchmarks
{
    private float[] _a = [], _b = [], _c = [];
    private int _savedThreads;

    [ParamsSource(nameof(Shapes))]
    public GptGemmShape Shape { get; set; } = GptGemmShape.All[0];

    /// <summary>0 means all cores (<see cref="Environment.ProcessorCount"/>).</summary>
    [Params(1, 0)]
    public int Threads { get; set; }

    public static IEnumerable<GptGemmShape> Shapes => GptGemmShape.All;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        _a = GptGemmQuick.Fill(Shape.M * Shape.K, rng);
        _b = GptGemmQuick.Fill(Shape.K * Shape.N, rng);
        _c = new float[Shape.M * Shape.N];
        _savedThreads = Parallelism.MaxThreads;
        Parallelism.MaxThreads = Threads == 0 ? Environment.ProcessorCount : Threads;
    }

    [GlobalCleanup]
    public void Cleanup() => Parallelism.MaxThreads = _savedThreads;

    [Benchmark]
    public void Multiply() => Gemm.Multiply(_a, _b, _c, Shape.M, Shape.N, Shape.K, Shape.TransA, Shape.TransB);

    private sealed class GflopsConfig : ManualConfig
    {
        public GflopsConfig() => AddColumn(new GflopsColumn());
    }

    /// <summary>2·m·n·k of the case's shape divided by its mean time.</summary>
    private sealed class GflopsColumn : IColumn
    {
        public string Id => nameof(GflopsColumn);
        public string ColumnName => "GFLOPS";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "2·m·n·k / mean time, in 10⁹ floating-point operations per second";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
            GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var report = summary[benchmarkCase];
            var shape = benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == nameof(Shape))?.Value as GptGemmShape;
            if (report?.ResultStatistics is not { } stats || shape is null)
                return "-";
            return (shape.Flops / stats.Mean).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
