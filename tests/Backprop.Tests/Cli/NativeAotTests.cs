using System.Diagnostics;
using System.Text.Json;
using Backprop.Cli;
using Backprop.Serialization;
using Backprop.Tests.Requirements;

namespace Backprop.Tests.Cli;

/// <summary>
/// The NativeAOT binaries of tools/publish-aot.sh (published by .ci/run before the tests; skipped with the reason where
/// they are not): each level trains the embedded digits to the same weights, bit for bit, as the JIT on the same
/// instruction set — x86-64-v4 as the JIT with AVX-512, x86-64-v3 as the JIT with DOTNET_EnableAVX512=0, the switch
/// the .NET 10 runtime reads (not DOTNET_EnableAVX512F) — reports the kernels it runs, and explains a program exactly
/// as the library does in-process.
/// </summary>
public sealed class NativeAotTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    // Two short epochs of the default MLP on the embedded digits, with a seed other than the default.
    private static readonly string[] Train = ["train", "--data", "digits", "--epochs", "2", "--seed", "7", "--threads", "2", "--json"];

    // One epoch of the CNN: its stride-1 convolutions take the implicit GEMM on AVX-512 and im2col below it, so its
    // weights differ between the levels (measured: the JIT with and without DOTNET_EnableAVX512=0 differ in every
    // tensor) and show a binary that runs the other level's kernels.
    private static readonly string[] TrainCnn = ["train", "--data", "digits", "--model", "cnn", "--epochs", "1", "--seed", "7", "--threads", "2", "--json"];

    private const string Program = "x = 2*w + 3*b; y = 2*b + 1; z = x*y";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "backprop-aot-" + Guid.NewGuid().ToString("N"));

    public NativeAotTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [NativeAotFact("x86-64-v4")]
    public void Avx512_binary_trains_the_weights_of_the_jit() =>
        TrainsAsTheJit("x86-64-v4", jitEnvironment: [], "avx512 (Vector512<float>)");

    [NativeAotFact("x86-64-v3")]
    public void Avx2_binary_trains_the_weights_of_the_jit_without_avx512() =>
        TrainsAsTheJit("x86-64-v3", jitEnvironment: [("DOTNET_EnableAVX512", "0")], "avx2+fma (Vector256<float>)");

    [NativeAotFact("x86-64-v4")]
    public void Avx512_binary_explains_as_the_library_does() => ExplainsAsTheLibrary(NativeAot.Binary("x86-64-v4"));

    [NativeAotFact("x86-64-v3")]
    public void Avx2_binary_explains_as_the_library_does() => ExplainsAsTheLibrary(NativeAot.Binary("x86-64-v3"));

    [NativeAotFact("x86-64-v3")]
    public void Launcher_runs_the_best_published_level_this_processor_has()
    {
        Assert.True(File.Exists(NativeAot.Launcher), $"no launcher at {NativeAot.Launcher}");
        bool avx512 = File.Exists(NativeAot.Binary("x86-64-v4")) && NativeAot.ProcessorHas("x86-64-v4");
        var (code, output, error) = Run(NativeAot.Launcher, [.. Train, "--out", Path.Combine(_directory, "launched")], []);
        Assert.True(code == 0, error);
        Assert.Equal(avx512 ? "avx512 (Vector512<float>)" : "avx2+fma (Vector256<float>)", Kernels(output).Gemm);
    }

    private void TrainsAsTheJit(string level, (string Name, string Value)[] jitEnvironment, string gemm)
    {
        TrainsAsTheJit(level, Train, "mlp", jitEnvironment, gemm);
        TrainsAsTheJit(level, TrainCnn, "cnn", jitEnvironment, gemm);
    }

    private void TrainsAsTheJit(string level, string[] train, string name, (string Name, string Value)[] jitEnvironment, string gemm)
    {
        string aotRun = Path.Combine(_directory, "aot-" + name), jitRun = Path.Combine(_directory, "jit-" + name);
        var aot = Run(NativeAot.Binary(level), [.. train, "--out", aotRun], []);
        Assert.True(aot.Code == 0, aot.Err);
        var jit = Run(JitHost, [JitCli, .. train, "--out", jitRun], jitEnvironment);
        Assert.True(jit.Code == 0, jit.Err);

        var (aotGemm, aotConv) = Kernels(aot.Out);
        Assert.Equal(gemm, aotGemm);
        Assert.Equal((aotGemm, aotConv), Kernels(jit.Out));
        float[][] expected = Weights(Path.Combine(jitRun, "model.safetensors"));
        float[][] actual = Weights(Path.Combine(aotRun, "model.safetensors"));
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(expected[i].AsSpan().SequenceEqual(actual[i]), $"{level}, {name}: parameter {i} differs from the JIT's");
    }

    private static void ExplainsAsTheLibrary(string binary)
    {
        var expected = new StringWriter();
        Assert.Equal(0, CommandLine.Run(["explain", Program, "--at", "w=3,b=4"], expected, new StringWriter()));
        var (code, output, error) = Run(binary, ["explain", Program, "--at", "w=3,b=4"], []);
        Assert.True(code == 0, error);
        Assert.Equal(expected.ToString(), output);
        Assert.Contains("z", output);
    }

    private static (string Gemm, string Conv2d) Kernels(string json)
    {
        Assert.True(JsonDocument.Parse(json).RootElement.TryGetProperty("kernels", out var kernels),
            $"no \"kernels\" in the summary (a binary published from older sources?): {json}");
        return (kernels.GetProperty("gemm").GetString()!, kernels.GetProperty("conv2d").GetString()!);
    }

    private static float[][] Weights(string checkpoint) =>
        [.. Checkpoint.Load(checkpoint).Model.StateDict().Select(e => e.Value.ToFloatArray())];

    private static string JitHost => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";

    private static string JitCli => Path.Combine(AppContext.BaseDirectory, "Backprop.Cli.dll");

    private static (int Code, string Out, string Err) Run(string file, string[] args, (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (string a in args) start.ArgumentList.Add(a);
        // Both sides start from the same environment: no instruction-set switch inherited from the test host.
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("DOTNET_Enable", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(name);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Limit))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', args)} did not finish within {Limit.TotalMinutes} minutes");
        }
        return (process.ExitCode, output.Result, error.Result);
    }
}
