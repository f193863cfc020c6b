using System.Text.Json;
using Backprop.Tests.Ops;

namespace Backprop.Tests.Autograd;

/// <summary>
/// The function transforms against PyTorch 1.13 (tests/Backprop.Tests/Ops/Fixtures/func_transforms.json, written by
/// tools/fixtures/func_transforms.py with torch.autograd.functional and functorch), in float64 within 1e-7 relative:
/// gradients, Hessians, Hessian-vector products and Jacobian-vector products of compositions covering the operators with
/// differentiable rules, Jacobians (reverse and forward), JVPs and VJPs of vector functions, and per-example gradients of
/// an MLP through Vmap(Grad).
/// </summary>
public class FunctionalFixtureTests
{
    private const double Rtol = 1e-7, Atol = 1e-10;

    private static readonly Lazy<JsonDocument> Fixture = new(() => FixtureFile.Open("func_transforms.json"));

    // The same functions as in the script: a flat input x, the case's constants c, its labels.
    private static readonly Dictionary<string, Func<Tensor, Tensor[], int[]?, Tensor>> Functions = new()
    {
        ["elementwise"] = (x, c, _) =>
        {
            var (a, b) = (x.Narrow(0, 0, 6).Reshape(2, 3), x.Narrow(0, 6, 6).Reshape(2, 3));
            return (a.Sin() * b.Exp() + (a * a + b * b + 1.0).Sqrt() + a.Sigmoid().Log1p() + b.Softplus() / (1.0 + a.Abs())
                    + (a - b).Erf().Pow(2) + a.Tanh() * b.Cos() + a.Gelu() * b.Silu() + b.Gelu(GeluApproximation.Tanh)
                    + a / (b * b + 1.0) + 0.1 * a.Pow(3) + (b * b + 0.5).Pow(a) + (a * a + 2.0).Log() - 2.0 / (b * b + 1.0)
                    + (1.5 - a) * b).Sum();
        },
        ["network"] = (x, c, labels) =>
        {
            var (w, bias, gamma, beta) = (x.Narrow(0, 0, 12).Reshape(3, 4), x.Narrow(0, 12, 3), x.Narrow(0, 15, 3), x.Narrow(0, 18, 3));
            var h = Tensor.LayerNorm(Tensor.Linear(c[0], w, bias), gamma, beta, 1e-5);
            return (Tensor.MatMul(h.Tanh(), c[1]).LogSoftmax(-1) * c[2]).Sum() + h.CrossEntropy(labels!)
                   + h.Softmax(-1).MseLoss(c[3]) + Backprop.NN.Losses.BinaryCrossEntropyWithLogits(h, c[4]);
        },
        ["shapes"] = (x, c, _) =>
        {
            var a = x.Narrow(0, 0, 12).Reshape(3, 4);
            var mask = c[1].Gt(0);
            var s = (Tensor.MatMul(a.T, a).Softmax(0) * c[0]).Sum() + Tensor.Concat([a, a * a], 0).Var(1).Sum()
                    + Tensor.Stack([a, a.Exp()], 2).Amax(2).Sum();
            s = s + a.Pad([1, 2], 0.5).Pow(2).Mean() + a.Tril().Sum() * a.Mean() + a.Triu(1).Pow(2).Sum();
            s = s + Tensor.Where(mask, a, a.Sin()).Sum() + a.MaskedFill(mask, 0.3).Pow(3).Sum();
            s = s + a.Maximum(a.Cos()).Sum() + (a.Clamp(-0.5, 0.5) * a).Sum() + (a.Relu() * a).Sum();
            s = s + a.Std(1).Sum() + a.Narrow(1, 1, 2).Exp().Sum() + a.Permute(1, 0).Reshape(2, 6).Narrow(0, 1, 1).Pow(2).Sum();
            return s + a.Minimum(0.2 * a.Square()).Sum() + a.Amin(0).Sum() + (a.Expand(2, 3, 4) * c[2]).Sum();
        },
        ["mlp"] = (x, c, labels) =>
        {
            var (w1, b1, w2, b2) = (x.Narrow(0, 0, 20).Reshape(5, 4), x.Narrow(0, 20, 5), x.Narrow(0, 25, 15).Reshape(3, 5), x.Narrow(0, 40, 3));
            return Tensor.Linear(Tensor.Linear(c[0], w1, b1).Tanh(), w2, b2).CrossEntropy(labels!);
        },
        ["vec_network"] = (x, c, _) =>
        {
            var a = x.Reshape(2, 3);
            return (Tensor.MatMul(a, c[0]).Tanh() + a.Gelu().Sum(1, keepDim: true)).Softmax(-1) * a.Sum();
        },
        ["vec_elementwise"] = (x, c, _) =>
            x.Sin() * (-x * x).Exp() + x.Sigmoid().Pow(2) + (x * 3.0).Softplus() / (1.0 + x * x),
    };

    private static TheoryData<string> Names(string section)
    {
        var data = new TheoryData<string>();
        foreach (var c in Fixture.Value.RootElement.GetProperty(section).EnumerateArray()) data.Add(c.GetProperty("name").GetString()!);
        return data;
    }

    public static TheoryData<string> ScalarCases() => Names("scalar");

    public static TheoryData<string> VectorCases() => Names("vector");

    private static JsonElement Case(string section, string name) =>
        Fixture.Value.RootElement.GetProperty(section).EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    private static Tensor T(JsonElement c, string key) => FixtureFile.Tensor(c.GetProperty(key))!.ToTensor();

    private static Func<Tensor, Tensor> Function(JsonElement c)
    {
        var f = Functions[c.GetProperty("function").GetString()!];
        var constants = c.GetProperty("constants").EnumerateArray().Select(e => FixtureFile.Tensor(e)!.ToTensor()).ToArray();
        int[]? labels = c.TryGetProperty("labels", out var l) ? l.EnumerateArray().Select(v => v.GetInt32()).ToArray() : null;
        return x => f(x, constants, labels);
    }

    [Theory]
    [MemberData(nameof(ScalarCases))]
    public void GradientHessianHvpAndJvpMatchPyTorch(string name)
    {
        var c = Case("scalar", name);
        var f = Function(c);
        var x = T(c, "x");
        var v = T(c, "vector");
        var (value, gradient) = Functional.ValueAndGrad(f)(x);
        Close(c.GetProperty("value").GetDouble(), value.Item(), "value");
        AllClose(T(c, "gradient"), gradient, "Grad");
        AllClose(T(c, "gradient"), Functional.Grad(f)(x), "Grad");
        var hessian = T(c, "hessian");
        AllClose(hessian, Functional.Hessian(f)(x), "Hessian = JacFwd(JacRev)");
        AllClose(hessian, Functional.JacRev(Functional.Grad(f))(x), "JacRev(Grad)");
        AllClose(T(c, "hvp"), Functional.Hvp(f, x, v).Product, "Hvp");
        Close(c.GetProperty("jvp").GetDouble(), Functional.Jvp(f, x, v).Tangent.Item(), "Jvp");
    }

    [Theory]
    [MemberData(nameof(VectorCases))]
    public void JacobiansJvpAndVjpMatchPyTorch(string name)
    {
        var c = Case("vector", name);
        var f = Function(c);
        var x = T(c, "x");
        var jacobian = T(c, "jacobian");
        AllClose(T(c, "value"), f(x), "value");
        AllClose(jacobian, Functional.JacRev(f)(x), "JacRev");
        AllClose(jacobian, Functional.JacFwd(f)(x), "JacFwd");
        AllClose(T(c, "jvp"), Functional.Jvp(f, x, T(c, "vector")).Tangent, "Jvp");
        AllClose(T(c, "vjp"), Functional.Vjp(f, x).VjpFn(T(c, "cotangent")), "Vjp");
    }

    [Fact]
    public void PerExampleGradientsOfAnMlpMatchFunctorch()
    {
        var p = Fixture.Value.RootElement.GetProperty("per_example");
        var parameters = p.GetProperty("parameters").EnumerateArray().Select(e => FixtureFile.Tensor(e)!.ToTensor()).ToArray();
        var x = T(p, "x");
        var labels = Tensor.FromArray(p.GetProperty("labels").EnumerateArray().Select(v => v.GetInt32()).ToArray(), x.Size(0));
        static Tensor Loss(Tensor[] a) =>
            Tensor.Linear(Tensor.Linear(a[4].Unsqueeze(0), a[0], a[1]).Tanh(), a[2], a[3]).CrossEntropy(a[5].Unsqueeze(0));
        var grads = Functional.Vmap(Functional.Grad(Loss, withRespectTo: [0, 1, 2, 3]), inDims: [null, null, null, null, 0, 0])(
            [.. parameters, x, labels]);
        var expected = p.GetProperty("gradients").EnumerateArray().Select(e => FixtureFile.Tensor(e)!.ToTensor()).ToArray();
        Assert.Equal(expected.Length, grads.Length);
        for (int k = 0; k < grads.Length; k++) AllClose(expected[k], grads[k], $"per-example gradient {k}");
    }

    private static void Close(double expected, double actual, string what) =>
        Assert.True(Math.Abs(actual - expected) <= Atol + Rtol * Math.Abs(expected), $"{what}: expected {expected:R}, got {actual:R}");

    private static void AllClose(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.ShapeArray, actual.ShapeArray);
        var (e, a) = (expected.ToDoubleArray(), actual.ToDoubleArray());
        for (int i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(a[i] - e[i]) <= Atol + Rtol * Math.Abs(e[i]), $"{what}[{i}]: expected {e[i]:R}, got {a[i]:R}");
    }
}
