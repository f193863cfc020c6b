using System.Text.Json;
using Backprop.Tests.Ops;

namespace Backprop.Tests.Autograd;

/// <summary>
/// Second derivatives against PyTorch 1.13 (tests/Backprop.Tests/Ops/Fixtures/double_backward.json, written by
/// tools/fixtures/double_backward.py): gradients, full Hessians and Hessian-vector products computed here with
/// Autograd.Grad(createGraph: true), and a gradient penalty differentiated w.r.t. the weights, in float64.
/// </summary>
public class DoubleBackwardFixtureTests
{
    private const double Rtol = 1e-7, Atol = 1e-10;

    private static readonly Lazy<JsonDocument> Fixture = new(() => FixtureFile.Open("double_backward.json"));

    // The same computations as FUNCTIONS in the script: the differentiated inputs first, then the constants.
    private static readonly Dictionary<string, Func<Tensor[], int[]?, Tensor>> Functions = new()
    {
        ["cube_sum"] = (x, _) => x[0].Pow(3).Sum(),
        ["tanh_matmul_dot"] = (x, _) => (Tensor.MatMul(x[0], x[1]).Tanh() * x[2]).Sum(),
        ["mlp_cross_entropy"] = (x, labels) => Tensor.Linear(Tensor.Linear(x[4], x[0], x[1]).Tanh(), x[2], x[3]).CrossEntropy(labels!),
        ["mlp_gelu_mse"] = (x, _) => Tensor.Linear(Tensor.Linear(x[4], x[0], x[1]).Gelu(), x[2], x[3]).MseLoss(x[5]),
        ["softmax_cross_entropy"] = (x, labels) => x[0].CrossEntropy(labels!),
        ["softmax_cross_entropy_weighted_smoothed"] = (x, labels) => x[0].CrossEntropy(labels!, 0.1, weight: x[1]),
        ["layer_norm_square"] = (x, _) => (Tensor.LayerNorm(x[0], x[1], x[2], 1e-5) * x[3]).Pow(2).Sum(),
        ["elementwise_composition"] = (x, _) =>
        {
            var (a, b) = (x[0], x[1]);
            return (a.Sin() * b.Exp() + (a * a + b * b).Sqrt() + (a * b).Softmax(-1) * a + a.Sigmoid().Log1p()
                    + b.Softplus() / a.Abs() + (a - b).Erf().Pow(2)).Sum();
        },
        ["log_softmax_silu"] = (x, _) => (Tensor.MatMul(x[0].Silu(), x[1]).LogSoftmax(-1) * x[2]).Sum(),
        ["conv2d_tanh"] = (x, _) => (Tensor.Conv2d(x[0], x[1], x[2], 2, 1).Tanh() * x[3]).Sum(),
        ["conv1d_tanh"] = (x, _) => (Tensor.Conv1d(x[0], x[1], x[2], 2, 1).Tanh() * x[3]).Sum(),
        ["pools"] = (x, _) =>
        {
            var y = x[0].Tanh();
            var a = Tensor.MaxPool2d(y, 3, 2, 1);
            var b = Tensor.AvgPool2d(y, 3, 2, 1);
            var d = Tensor.AdaptiveAvgPool2d(y, 3, 2);
            return (a * b * x[1]).Sum() + (d.Pow(2) * x[2]).Sum();
        },
        ["gather_scatter_add"] = (x, labels) =>
        {
            var gathered = x[0].Tanh().Gather(1, Tensor.FromArray(labels![..6], 3, 2));
            var scattered = x[0].Sin().ScatterAdd(0, Tensor.FromArray(labels[6..], 2, 4), x[1] * x[1]);
            return (gathered.Pow(2) * x[2]).Sum() + (scattered.Tanh() * x[3]).Sum();
        },
        ["embedding_index_select_cumsum"] = (x, labels) =>
        {
            var e = Tensor.Embedding(Tensor.FromArray(labels![..6], 2, 3), x[0]);
            var picked = x[1].Tanh().IndexSelect(0, labels[6..]);
            return (e.Cumsum(1).Sin() * x[2]).Sum() + (picked.Cumsum(0).Pow(2) * x[3]).Sum() + (e.Sum(0) * picked).Sum();
        },
        ["topk_sort"] = (x, _) => ((x[0].Tanh() * x[0]).TopK(3).Values.Pow(2) * x[1]).Sum()
                                  + (x[0].Sin().Sort(0, descending: true).Values * x[0] * x[2]).Sum(),
        ["attention_causal"] = (x, _) => (Tensor.ScaledDotProductAttention(x[0], x[1], x[2], isCausal: true).Tanh() * x[3]).Sum(),
        ["attention_scaled"] = (x, _) => (Tensor.ScaledDotProductAttention(x[0], x[1], x[2], scale: 0.7).Tanh() * x[3]).Sum(),
    };

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in Fixture.Value.RootElement.GetProperty("cases").EnumerateArray()) data.Add(c.GetProperty("name").GetString()!);
        return data;
    }

    private static JsonElement Case(string name) =>
        Fixture.Value.RootElement.GetProperty("cases").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    [Theory]
    [MemberData(nameof(Cases))]
    public void GradientHessianAndHvpMatchPyTorch(string name)
    {
        var c = Case(name);
        var f = Functions[c.GetProperty("function").GetString()!];
        var inputs = c.GetProperty("inputs").EnumerateArray().Select(e => FixtureFile.Tensor(e)!.ToTensor()).ToArray();
        int[]? labels = c.TryGetProperty("labels", out var l) ? l.EnumerateArray().Select(v => v.GetInt32()).ToArray() : null;
        var wrt = inputs.Where(t => t.RequiresGrad).ToArray();

        var value = f(inputs, labels);
        Close(c.GetProperty("value").GetDouble(), value.Item(), "value");
        var first = Backprop.Autograd.Grad(value, wrt, createGraph: true);
        var gradient = Tensor.Concat(first.Select(g => g!.Reshape(-1)).ToArray());
        Assert.NotNull(gradient.GradFn);
        AllClose(FixtureFile.Tensor(c.GetProperty("gradient"))!.Values, gradient.ToDoubleArray(), "gradient");

        var v = FixtureFile.Tensor(c.GetProperty("vector"))!.ToTensor();
        var hvp = Flat(Backprop.Autograd.Grad((gradient * v).Sum(), wrt, retainGraph: true, allowUnused: true), wrt);
        AllClose(FixtureFile.Tensor(c.GetProperty("hvp"))!.Values, hvp, "hvp");

        int n = gradient.Numel;
        var hessian = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            var row = Flat(Backprop.Autograd.Grad(gradient.Narrow(0, i, 1).Sum(), wrt, retainGraph: true, allowUnused: true), wrt);
            row.CopyTo(hessian, i * n);
        }
        var expected = FixtureFile.Tensor(c.GetProperty("hessian"))!;
        Assert.Equal([n, n], expected.Shape);
        AllClose(expected.Values, hessian, "hessian");
    }

    [Fact]
    public void GradientPenaltyMatchesPyTorch()
    {
        var p = Fixture.Value.RootElement.GetProperty("gradient_penalty");
        var inputs = p.GetProperty("inputs");
        Tensor Input(string key, bool grad)
        {
            var t = FixtureFile.Tensor(inputs.GetProperty(key))!.ToTensor();
            t.RequiresGrad = grad;
            return t;
        }
        var (x, w, b, c) = (Input("x", true), Input("weight", true), Input("bias", true), Input("c", false));
        var loss = (Tensor.Linear(x, w, b).Tanh() * c).Sum();
        var gx = Backprop.Autograd.Grad(loss, x, createGraph: true)!;
        var penalty = (gx * gx).Sum();
        Close(p.GetProperty("penalty").GetDouble(), penalty.Item(), "penalty");
        var grads = Backprop.Autograd.Grad(penalty, [w, b, x]);
        var expected = p.GetProperty("grads");
        AllClose(FixtureFile.Tensor(expected.GetProperty("weight"))!.Values, grads[0]!.ToDoubleArray(), "∂P/∂W");
        AllClose(FixtureFile.Tensor(expected.GetProperty("bias"))!.Values, grads[1]!.ToDoubleArray(), "∂P/∂b");
        AllClose(FixtureFile.Tensor(expected.GetProperty("x"))!.Values, grads[2]!.ToDoubleArray(), "∂P/∂x");
        Assert.Null(w.Grad);
    }

    // The gradients flattened and concatenated in the inputs' order; an input the gradient does not reach is zeros.
    private static double[] Flat(Tensor?[] grads, Tensor[] wrt) =>
        grads.Select((g, i) => g?.ToDoubleArray() ?? new double[wrt[i].Numel]).SelectMany(a => a).ToArray();

    private static void Close(double expected, double actual, string what) =>
        Assert.True(Math.Abs(actual - expected) <= Atol + Rtol * Math.Abs(expected), $"{what}: expected {expected:R}, got {actual:R}");

    private static void AllClose(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= Atol + Rtol * Math.Abs(expected[i]),
                $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
    }
}
