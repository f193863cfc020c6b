using Backprop.Kernels;

namespace Backprop.Tests.Kernels;

/// <summary>The embedding kernels against naive loops (the reference), and their independence from the thread count.</summary>
public class EmbeddingKernelTests
{
    private static (double[] Table, int[] Indices, double[] GradOutput) Data(int rows, int width, int tokens, ulong seed)
    {
        var g = new Generator(seed);
        var table = new double[rows * width];
        for (int i = 0; i < table.Length; i++) table[i] = g.NextGaussian();
        var indices = new int[tokens];
        for (int t = 0; t < tokens; t++) indices[t] = g.NextInt(rows);
        var gy = new double[tokens * width];
        for (int i = 0; i < gy.Length; i++) gy[i] = g.NextGaussian();
        return (table, indices, gy);
    }

    [Theory]
    [InlineData(5, 3, 7)]
    [InlineData(83, 128, 768)]   // the GPT benchmark's table and one batch of tokens
    [InlineData(10, 33, 40)]     // a width that leaves a partial column block
    [InlineData(4, 1, 9)]
    public void GatherAndIndexAddMatchTheNaiveLoops(int rows, int width, int tokens)
    {
        var (table, indices, gy) = Data(rows, width, tokens, (ulong)(rows * 1000 + width));
        var output = new double[tokens * width];
        EmbeddingKernel.Gather<double>(table, indices, output, width);
        var gradTable = new double[rows * width];
        EmbeddingKernel.IndexAdd<double>(gy, indices, gradTable, width);

        // Reference: the definitions, one element at a time, tokens in order.
        var expectedOut = new double[tokens * width];
        var expectedGrad = new double[rows * width];
        for (int t = 0; t < tokens; t++)
            for (int j = 0; j < width; j++)
            {
                expectedOut[t * width + j] = table[indices[t] * width + j];
                expectedGrad[indices[t] * width + j] += gy[t * width + j];
            }
        Assert.Equal(expectedOut, output);
        Assert.Equal(expectedGrad, gradTable);
    }

    [Fact]
    public void IndexAddAddsToWhatIsThereAndLeavesUnusedRowsAlone()
    {
        var grad = new float[] { 1, 1, 2, 2, 3, 3 };            // 3 rows of 2
        EmbeddingKernel.IndexAdd<float>(new float[] { 10, 20, 30, 40 }, new[] { 2, 2 }, grad, 2);
        Assert.Equal(new float[] { 1, 1, 2, 2, 43, 63 }, grad);  // hand sums: 3 + 10 + 30, 3 + 20 + 40
    }

    [Fact]
    public void IndexAddIsBitIdenticalForAnyThreadCount()
    {
        // Float sums depend on their order. The GPT benchmark's batch (768 tokens × 128) is below the size worth a second
        // thread, so this uses 4,096 tokens into 83 × 256, which the loop does split, and must still sum in token order.
        var (table, indices, gy) = Data(83, 256, 4096, 7);
        var gyFloat = gy.Select(v => (float)v).ToArray();
        float[] Run(int threads) => WithThreads.Run(threads, () =>
        {
            var grad = new float[83 * 256];
            EmbeddingKernel.IndexAdd<float>(gyFloat, indices, grad, 256);
            return grad;
        });
        var one = Run(1);
        Assert.Equal(one, Run(2));
        Assert.Equal(one, Run(4));
    }

    [Fact]
    public void MismatchedBuffersAreRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => EmbeddingKernel.Gather<float>(new float[6], new[] { 0, 1 }, new float[5], 3));
        Assert.Contains("2 rows of 3", e.Message);
    }
}
