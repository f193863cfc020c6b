using System.Globalization;
using Backprop.Cli.Bench;
using Backprop.Serialization;

namespace Backprop.Cli.Commands;

/// <summary>`backprop bench`: the workloads of the PyTorch reference script, with the same definitions and sizes.</summary>
public sealed class BenchCommand : ICommand
{
    // Lightest first: the per-operation workloads are sensitive to the heap a heavier workload leaves behind
    // (measured: scalar_chain 0.38–0.50 µs/op after the 2048² products, 0.16–0.30 before them).
    private static readonly string[] Workloads = ["scalar", "tiny", "gemm", "mlp", "cnn"];

    public string Name => "bench";
    public string Summary => "measure the reference workloads (gemm, scalar, tiny, mlp, cnn; gpt; hvp; gemm-sweep) for comparison with PyTorch";
    public string Description => "Runs the workloads of ../shared/bench/torch_reference.py with the same definitions and sizes.";
    public PositionalSpec? Positional { get; } = new("WORKLOAD", "gemm | scalar | tiny | mlp | cnn | all (default all) | gpt [ITERS] | hvp | gemm-sweep", 2);
    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("json", null, "one JSON object per line on stdout: {\"name\", \"value\", \"unit\"}, after a first {\"name\": \"kernels\", \"kernels\": {...}}"),
        new("threads", "N", "threads for the kernels (default: all cores)"),
        new("data", "DIR", "the Fashion-MNIST directory (default /usr/share/datasets/fashion-mnist)"),
        new("profile", null, "gpt, mlp, cnn: also print where an iteration's time and allocation go (forward by section or layer, backward by operator) on stderr"),
        new("curve", "FILE", "gpt: also write every iteration's training loss to FILE, one per line"),
        new("sizes", "LIST", "gemm-sweep: only these products, comma-separated: N (square), MxKxN_xy (xy: nn, nt, tn, tt), square, training"),
        new("dtype", "TYPE", "gemm-sweep: float32 or float64 only (default both)"),
        new("seconds", "S", "gemm-sweep: the time of one measurement (default 0.25; the median of 5 is reported)"),
    ];
    public string Epilogue => """
        Workloads:
          gemm    sgemm_256/512/1024/2048: float32 N×N matrix product, GFLOPS (best of 5)
          scalar  scalar_chain: 20,000 scalar ops then backward, µs per op (best of 3)
          tiny    tiny_mlp: 2-16-16-1 tanh MLP, batch 32, MSE, SGD: µs per training step
          mlp     mlp_epoch: Fashion-MNIST 784-256-128-10 ReLU, one epoch, batch 64, SGD 0.05 momentum 0.9: s and test accuracy
          cnn     cnn_10k: 2-conv CNN over the first 10,000 training images: s
          gpt     gpt_char: character-level GPT (4 layers, 4 heads, 128 wide, context 64) trained 2,000 iterations of
                  AdamW on Moby-Dick, as ../shared/bench/GPT.md: median ms per iteration, the losses and the managed
                  bytes allocated per step. Minutes long, so not part of all; `gpt ITERS` is the short run
                  gpt_char_ITERS. MOBY_DICK=FILE overrides the bundled text (data/moby-dick.txt.gz).
          hvp     hvp_mlp: Hessian-vector product of the 784-256-128-10 ReLU MLP's cross-entropy on a batch of 64
                  w.r.t. its weights, ms, and its ratio to one forward+backward; jvp_mlp, jvp_elementwise: forward
                  mode (double VJP) against forward+backward and against a hand-written forward tangent;
                  vmap_grad_mlp: per-example gradients by Vmap(Grad) in one call against the per-example loop.
                  Not part of all; tools/hvp_reference.py is the PyTorch side.
          gemm-sweep  sgemm_N and dgemm_N for N = 64, 128, 256, 384, 512, 768, 1024, 1536, 2048, and the products a
                  linear layer runs in training (y = x·Wᵀ, dX = G·W, dW = Gᵀ·x) for 768 rows 128 → 384 and 64 rows
                  784 → 256: sgemm_768x128x384_nt, _768x384x128_nn, _384x768x128_tn, _64x784x256_nt,
                  _64x256x784_nn, _256x64x784_tn (M×K·K×N; t: that operand is stored transposed). GFLOPS, the
                  median of 5 measurements of about --seconds each. Not part of all; tools/gemm_sweep.py (PyTorch)
                  and tools/gemm-sweep-torchsharp are the peers, tools/gemm-side-by-side.sh runs all three.
        Ctrl+C (SIGTERM) stops before the next measurement with exit code 130 (143).
        Side by side with PyTorch 1.13 and TorchSharp 2.10 (LibTorch, MKL) in alternated rounds, with the day's FMA
        peak: tools/bench-side-by-side.sh [ROUNDS] in the repository. It builds the TorchSharp reference of
        ../shared/bench/torchsharp when NuGet serves TorchSharp-cpu (TORCHSHARP=0 leaves it out), and runs the
        NativeAOT build (tools/publish-aot.sh: artifacts/aot/backprop) as a fourth side when it exists.

        """;

    public int Run(Arguments args, CommandContext context)
    {
        bool json = args.Flag("json");
        int threads = args.Int("threads", Environment.ProcessorCount, 1, 1024);
        string data = args.Text("data") ?? "/usr/share/datasets/fashion-mnist";
        bool profile = args.Flag("profile");
        args.CheckPositionalCount(2);
        string what = args.Positional.Count > 0 ? args.Positional[0] : "all";
        if (what == "gpt")
        {
            int iters = 2000;
            if (args.Positional.Count > 1 && (!int.TryParse(args.Positional[1], System.Globalization.NumberStyles.None, CultureInfo.InvariantCulture, out iters) || iters < 2))
                throw new UsageException($"bench gpt: ITERS must be a whole number of at least 2, got '{args.Positional[1]}'");
            Backprop.Kernels.Parallelism.MaxThreads = threads;
            PrintKernels(json, context.Out);
            string? curvePath = args.Text("curve");
            var curve = curvePath is null ? null : new List<double>();
            Print(GptCharWorkload.Run(iters, context.Cancellation, profile ? context.Error : null, curve), json, context.Out);
            if (curvePath is not null)
                AtomicFile.WriteAllText(curvePath, string.Concat(curve!.Select(v => v.ToString("R", CultureInfo.InvariantCulture) + "\n")));
            return ExitCodes.Ok;
        }
        if (args.Positional.Count > 1)
            throw new UsageException($"bench {what}: takes no second argument (only gpt takes ITERS)");
        if (what == "gemm-sweep")
        {
            var shapes = args.Text("sizes") is { } list ? GemmShape.ParseList(list, "sizes") : GemmShape.Sweep;
            DType[] dtypes = args.Text("dtype") switch
            {
                null => [DType.Float32, DType.Float64],
                "float32" => [DType.Float32],
                "float64" => [DType.Float64],
                var other => throw new UsageException($"--dtype: expected float32 or float64, got '{other}'"),
            };
            double seconds = args.Double("seconds", GemmSweepWorkload.DefaultSeconds, positive: true, max: 60);
            Backprop.Kernels.Parallelism.MaxThreads = threads;
            PrintKernels(json, context.Out);
            foreach (var result in GemmSweepWorkload.Run(shapes, dtypes, seconds, context.Cancellation)) Print(result, json, context.Out);
            return ExitCodes.Ok;
        }
        foreach (string option in (string[])["sizes", "dtype", "seconds"])
            if (args.Text(option) is not null)
                throw new UsageException($"--{option} applies to bench gemm-sweep only");
        if (what == "hvp")
        {
            Backprop.Kernels.Parallelism.MaxThreads = threads;
            PrintKernels(json, context.Out);
            foreach (var result in HvpWorkload.Run(context.Cancellation)) Print(result, json, context.Out);
            return ExitCodes.Ok;
        }
        if (what != "all" && !Workloads.Contains(what))
            throw new UsageException($"unknown workload '{what}'; choose from {string.Join(", ", Workloads)}, all, gpt [ITERS], hvp or gemm-sweep");
        Backprop.Kernels.Parallelism.MaxThreads = threads;
        PrintKernels(json, context.Out);

        foreach (var name in Workloads)
        {
            if (what != "all" && what != name) continue;
            // Each workload starts from a clean heap, as it would in a process of its own: the previous workload's
            // garbage (2048² matrices, a 20,000-node graph) must not be collected on the next one's clock.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var profiler = profile && name is "mlp" or "cnn" ? new TrainingStepProfiler() : null;
            foreach (var result in Run(name, data, context.Cancellation, profiler)) Print(result, json, context.Out);
            profiler?.Write(context.Error);
        }
        return ExitCodes.Ok;
    }

    private static IEnumerable<BenchResult> Run(string workload, string data, CancellationToken cancellation, TrainingStepProfiler? profiler) => workload switch
    {
        "gemm" => GemmWorkload.Run(cancellation),
        "scalar" => [ScalarChainWorkload.Run(cancellation)],
        "tiny" => [TinyMlpWorkload.Run(cancellation)],
        "mlp" => [FashionMnistWorkloads.MlpEpoch(data, cancellation, profiler)],
        _ => [FashionMnistWorkloads.Cnn10k(data, cancellation, profiler)],
    };

    /// <summary>
    /// The kernels the figures come from, first: a NativeAOT binary compiled without AVX-512, or a runtime told to
    /// disable it, measures the narrower kernels, and this line says so.
    /// </summary>
    private static void PrintKernels(bool json, TextWriter o)
    {
        if (json)
        {
            Json.WriteLine(o, w =>
            {
                w.WriteString("name", "kernels");
                Json.Kernels(w);
            });
        }
        else
        {
            o.WriteLine($"kernels                gemm: {Backprop.Kernels.KernelSelection.Gemm}; conv2d: {Backprop.Kernels.KernelSelection.Conv2d}");
        }
        o.Flush();
    }

    private static void Print(BenchResult r, bool json, TextWriter o)
    {
        if (json)
        {
            Json.WriteLine(o, w =>
            {
                w.WriteString("name", r.Name);
                Json.Number(w, "value", Math.Round(r.Value, 4));
                w.WriteString("unit", r.Unit);
                if (r.Extra is not null)
                    foreach (var (key, value) in r.Extra) Json.Number(w, key, Math.Round(value, 4));
            });
        }
        else
        {
            var extra = r.Extra is null ? "" : "  " + string.Join("  ", r.Extra.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key}={kv.Value:0.####}")));
            // 22 columns: the longest name, a sweep product such as sgemm_768x128x384_nt, still lines up.
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.Name,-22} {r.Value,12:0.####} {r.Unit}{extra}"));
        }
        o.Flush();
    }
}
