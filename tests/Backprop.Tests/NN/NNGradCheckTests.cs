using Backprop.Cli;
namespace Backprop.Tests.NN;

/// <summary>
/// The gradient-check suite covers the neural-network operators. The cases themselves run once, in
/// <see cref="Ops.OperatorGradCheckTests"/>, with every other case of the suite.
/// </summary>
public class NNGradCheckTests
{
    private static readonly string[] Operators = ["conv2d", "max_pool2d", "linear", "batch_norm", "bce_with_logits", "layer_norm",
        "scaled_dot_product_attention", "self_attention", "multihead_attention", "l1",
        "embedding", "split", "chunk", "pad", "scatter_add", "topk", "sort", "conv1d", "avg_pool2d", "adaptive_avg_pool2d"];

    [Fact]
    public void Suite_covers_every_new_operator()
    {
        foreach (var op in Operators) Assert.Contains(GradCheckSuite.All, c => c.Operator == op);
    }
}
