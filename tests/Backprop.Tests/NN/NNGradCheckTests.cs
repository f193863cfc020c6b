using Backprop.Cli;
namespace Backprop.Tests.NN;

/// <summary>Runs the gradient-check suite's cases for the neural-network operators (central differences in float64).</summary>
public class NNGradCheckTests
{
    private static readonly string[] Operators = ["conv2d", "max_pool2d", "linear", "batch_norm", "bce_with_logits"];

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var c in GradCheckSuite.All)
            if (Operators.Contains(c.Operator)) data.Add(c.Operator, c.Description);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradient_matches_central_differences(string op, string description)
    {
        var c = GradCheckSuite.All.Single(x => x.Operator == op && x.Description == description);
        var result = c.Run();
        Assert.True(result.Passed, $"{op} {description}: {result}");
    }

    [Fact]
    public void Suite_covers_every_new_operator()
    {
        foreach (var op in Operators) Assert.Contains(GradCheckSuite.All, c => c.Operator == op);
    }
}
