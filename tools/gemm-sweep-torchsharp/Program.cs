// The TorchSharp (LibTorch 2.10, MKL) side of `backprop bench gemm-sweep`: the same products, names, data sizes and
// timing as src/Backprop.Cli/Bench/GemmShape.cs and Timing.MedianOfBatches, and as tools/gemm_sweep.py. One JSON line
// {"name", "value", "unit"} per product (GFLOPS), after a first {"name": "config", ...} line.
//   dotnet GemmSweepTorchSharp.dll [--sizes LIST] [--dtype float32|float64] [--seconds S]
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using TorchSharp;
using static TorchSharp.torch;

int[] square = [64, 128, 256, 384, 512, 768, 1024, 1536, 2048];
// A linear layer y = x·Wᵀ (x [rows, in], W [out, in]): forward y = x·Wᵀ (nt), dX = G·W (nn), dW = Gᵀ·x (tn),
// for 768 rows 128 → 384 and 64 rows 784 → 256.
(int M, int K, int N, string Flags)[] training =
[
    (768, 128, 384, "nt"), (768, 384, 128, "nn"), (384, 768, 128, "tn"),
    (64, 784, 256, "nt"), (64, 256, 784, "nn"), (256, 64, 784, "tn"),
];
const int measurements = 5;

string sizes = "square,training";
string? dtypeName = null;
double target = 0.25;
for (int i = 0; i < args.Length; i++)
{
    string value = i + 1 < args.Length ? args[i + 1] : Fail($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--sizes": sizes = value; break;
        case "--dtype": dtypeName = value is "float32" or "float64" ? value : Fail($"--dtype: expected float32 or float64, got '{value}'"); break;
        case "--seconds":
            if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out target) || !(target > 0 && target <= 60))
                Fail($"--seconds: expected a number in (0, 60], got '{value}'");
            break;
        default: Fail($"unknown argument '{args[i]}'"); break;
    }
    i++;
}

var shapes = new List<(int M, int K, int N, string Flags)>();
foreach (string entry in sizes.Split(',').Select(e => e.Trim()))
{
    if (entry == "square") shapes.AddRange(square.Select(n => (n, n, n, "nn")));
    else if (entry == "training") shapes.AddRange(training);
    else if (Regex.IsMatch(entry, "^[0-9]{1,5}$")) { int n = int.Parse(entry, CultureInfo.InvariantCulture); shapes.Add((n, n, n, "nn")); }
    else if (Regex.Match(entry, "^([0-9]{1,5})x([0-9]{1,5})x([0-9]{1,5})_([nt][nt])$") is { Success: true } m)
        shapes.Add((int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture),
            int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture), m.Groups[4].Value));
    else Fail($"--sizes: '{entry}' is neither a size N nor a shape MxKxN_xy");
}
if (shapes.Any(s => s.M is < 1 or > 16384 || s.K is < 1 or > 16384 || s.N is < 1 or > 16384))
    Fail("dimensions must be between 1 and 16384");

// Two threads, as the other peers on this two-core machine.
torch.set_num_threads(2);
Console.WriteLine($"{{\"name\": \"config\", \"torchsharp\": \"{typeof(torch).Assembly.GetName().Version}\", \"threads\": {torch.get_num_threads()}}}");
ScalarType[] dtypes = dtypeName switch
{
    "float32" => [ScalarType.Float32],
    "float64" => [ScalarType.Float64],
    _ => [ScalarType.Float32, ScalarType.Float64],
};
foreach (var dtype in dtypes)
{
    foreach (var (m, k, n, flags) in shapes)
    {
        torch.manual_seed(0);
        using var a = torch.randn(flags[0] == 't' ? [k, m] : [m, k], dtype);
        using var b = torch.randn(flags[1] == 't' ? [n, k] : [k, n], dtype);
        using var opA = flags[0] == 't' ? a.t() : a.alias();
        using var opB = flags[1] == 't' ? b.t() : b.alias();
        double seconds = MedianOfBatches(() => torch.mm(opA, opB).Dispose(), target);
        string prefix = dtype == ScalarType.Float64 ? "d" : "s";
        string name = m == k && k == n && flags == "nn" ? $"{prefix}gemm_{m}" : $"{prefix}gemm_{m}x{k}x{n}_{flags}";
        double gflops = Math.Round(2.0 * m * k * n / seconds / 1e9, 4);
        Console.WriteLine($"{{\"name\": \"{name}\", \"value\": {gflops.ToString("R", CultureInfo.InvariantCulture)}, \"unit\": \"GFLOPS\"}}");
    }
}
return 0;

// One warm-up; the runs per batch doubled until a batch takes a tenth of the target, scaled so a batch takes about the
// target; then the median of the batches' times over the runs in each.
static double MedianOfBatches(Action run, double target)
{
    run();
    long reps = 1;
    double seconds;
    while ((seconds = Batch(run, reps)) < target / 10 && reps < 1L << 30) reps *= 2;
    reps = Math.Max(1, (long)Math.Ceiling(reps * target / seconds));
    var times = Enumerable.Range(0, measurements).Select(_ => Batch(run, reps) / reps).Order().ToArray();
    return times[measurements / 2];
}

static double Batch(Action run, long reps)
{
    long start = Stopwatch.GetTimestamp();
    for (long i = 0; i < reps; i++) run();
    return Stopwatch.GetElapsedTime(start).TotalSeconds;
}

static string Fail(string message)
{
    Console.Error.WriteLine("gemm-sweep-torchsharp: " + message);
    Environment.Exit(2);
    return "";
}
