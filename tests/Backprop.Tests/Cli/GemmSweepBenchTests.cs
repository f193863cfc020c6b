using System.Text.Json;
using Backprop.Cli;
using Backprop.Cli.Bench;
using Backprop.Tests.Kernels;

namespace Backprop.Tests.Cli;

// `bench gemm-sweep`: its list of products, their names (shared with tools/gemm_sweep.py and
// tools/gemm-sweep-torchsharp), its options and its JSON lines, on products small enough to time in milliseconds.
// The timings themselves are not checked here; tools/gemm-side-by-side.sh measures them.
// In the process-wide collection: the bench sets the process's thread limit.
[Collection(nameof(ProcessWideSettings))]
public sealed class GemmSweepBenchTests
{
    [Fact]
    public void TheSweepIsTheSquareSizesThenALinearLayersTrainingProducts()
    {
        Assert.Equal(
            [
                "sgemm_64", "sgemm_128", "sgemm_256", "sgemm_384", "sgemm_512", "sgemm_768", "sgemm_1024", "sgemm_1536", "sgemm_2048",
                "sgemm_768x128x384_nt", "sgemm_768x384x128_nn", "sgemm_384x768x128_tn",
                "sgemm_64x784x256_nt", "sgemm_64x256x784_nn", "sgemm_256x64x784_tn",
            ],
            GemmShape.Sweep.Select(s => s.Name(DType.Float32)));
        Assert.Equal("dgemm_384x768x128_tn", GemmShape.TrainingShapes[2].Name(DType.Float64));
    }

    [Fact]
    public void TrainingShapesAreTheProductsOfALinearLayersForwardAndBackward()
    {
        // y = x·Wᵀ with x [rows, in], W [out, in]; dX = G·W; dW = Gᵀ·x — each triple as (forward, dX, dW).
        foreach (var (rows, inputs, outputs, first) in new[] { (768, 128, 384, 0), (64, 784, 256, 3) })
        {
            var (forward, dx, dw) = (GemmShape.TrainingShapes[first], GemmShape.TrainingShapes[first + 1], GemmShape.TrainingShapes[first + 2]);
            Assert.Equal(new GemmShape(rows, inputs, outputs, false, true), forward);
            Assert.Equal([rows, inputs], forward.StoredA);
            Assert.Equal([outputs, inputs], forward.StoredB);
            Assert.Equal(new GemmShape(rows, outputs, inputs, false, false), dx);
            Assert.Equal([rows, outputs], dx.StoredA);
            Assert.Equal([outputs, inputs], dx.StoredB);
            Assert.Equal(new GemmShape(outputs, rows, inputs, true, false), dw);
            Assert.Equal([rows, outputs], dw.StoredA);
            Assert.Equal([rows, inputs], dw.StoredB);
        }
    }

    [Fact]
    public void SizesListParsesSizesShapesAndTheTwoNamedLists()
    {
        var shapes = GemmShape.ParseList("64, 3x5x7_tt,training,square", "sizes");
        Assert.Equal(new GemmShape(64, 64, 64, false, false), shapes[0]);
        Assert.Equal(new GemmShape(3, 5, 7, true, true), shapes[1]);
        Assert.Equal("sgemm_3x5x7_tt", shapes[1].Name(DType.Float32));
        Assert.Equal("sgemm_8x8x8_nt", new GemmShape(8, 8, 8, false, true).Name(DType.Float32));
        Assert.Equal(2 + GemmShape.TrainingShapes.Length + GemmShape.SquareSizes.Length, shapes.Count);
    }

    [Theory]
    [InlineData("64x3", "neither a size")]
    [InlineData("3x5x7_nx", "neither a size")]
    [InlineData("+64", "neither a size")]
    [InlineData("", "neither a size")]
    [InlineData("0", "between 1 and 16384")]
    [InlineData("3x99999999999x7_nn", "between 1 and 16384")]
    public void BadSizesAreUsageErrorsNamingTheEntry(string list, string message)
    {
        var error = Assert.Throws<UsageException>(() => GemmShape.ParseList(list, "sizes"));
        Assert.Contains(message, error.Message);
        Assert.Contains($"'{list}'", error.Message);
    }

    [Fact]
    public void QuickSweepPrintsOneGflopsLinePerProductAndType()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CommandLine.Run(["bench", "gemm-sweep", "--sizes", "64,24x40x8_tn", "--seconds", "0.002", "--json"], stdout, stderr);
        Assert.True(code == ExitCodes.Ok, stderr.ToString());
        var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal("kernels", lines[0].GetProperty("name").GetString());
        Assert.Equal(["sgemm_64", "sgemm_24x40x8_tn", "dgemm_64", "dgemm_24x40x8_tn"], lines[1..].Select(l => l.GetProperty("name").GetString()));
        foreach (var line in lines[1..])
        {
            Assert.Equal("GFLOPS", line.GetProperty("unit").GetString());
            Assert.True(line.GetProperty("value").GetDouble() > 0);
        }
    }

    [Fact]
    public void DtypeChoosesOneType()
    {
        var stdout = new StringWriter();
        int code = CommandLine.Run(["bench", "gemm-sweep", "--sizes", "16", "--dtype", "float64", "--seconds", "0.002"], stdout, new StringWriter());
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("dgemm_16", stdout.ToString());
        Assert.DoesNotContain("sgemm_16", stdout.ToString());
    }

    [Theory]
    [InlineData("bench gemm-sweep --dtype half", "--dtype: expected float32 or float64, got 'half'")]
    [InlineData("bench gemm-sweep --sizes 16 --seconds 0", "--seconds must be positive")]
    [InlineData("bench gemm-sweep --sizes 16 --seconds 61", "--seconds must be at most 60")]
    [InlineData("bench gemm --sizes 64", "--sizes applies to bench gemm-sweep only")]
    [InlineData("bench all --seconds 1", "--seconds applies to bench gemm-sweep only")]
    [InlineData("bench gemm-sweep 3", "takes no second argument")]
    public void MisuseIsOneLineAndExitCode2(string command, string message)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CommandLine.Run(command.Split(' '), stdout, stderr);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(message, stderr.ToString());
        Assert.Single(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("", stdout.ToString());
    }
}
