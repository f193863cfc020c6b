using Backprop.Cli;
using System.Reflection;

namespace Backprop.Tests.Ops;

/// <summary>
/// Every operator's backward against central differences in float64 (the independent reference is the finite
/// difference (f(x+ε) − f(x−ε)) / 2ε computed by <see cref="GradCheck"/>), one test per case of <see cref="GradCheckSuite"/>.
/// </summary>
public class OperatorGradCheckTests
{
    public static TheoryData<int, string> Cases()
    {
        var data = new TheoryData<int, string>();
        for (int i = 0; i < GradCheckSuite.All.Count; i++)
            data.Add(i, $"{GradCheckSuite.All[i].Operator} {GradCheckSuite.All[i].Description}");
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BackwardMatchesCentralDifferences(int index, string operatorAndShapes)
    {
        var c = GradCheckSuite.All[index];
        Assert.Equal($"{c.Operator} {c.Description}", operatorAndShapes);
        var result = c.Run();
        Assert.NotEmpty(result.Inputs);
        Assert.True(result.Passed, $"gradcheck failed for {operatorAndShapes}: {result}");
    }

    private enum Variant
    {
        /// <summary>Any case of the operator.</summary>
        Any,
        /// <summary>A case whose description does not mention "scalar": tensor ∘ tensor.</summary>
        Tensors,
        /// <summary>A description with "scalar" after the tensor: x ∘ c.</summary>
        TensorScalar,
        /// <summary>A description starting with "scalar": c ∘ x (a different local gradient for − and /).</summary>
        ScalarTensor,
    }

    // The explicit list: every public differentiable operator of Tensor (by signature) and the suite operator that checks it.
    private static readonly (string Signature, string Operator, Variant Variant)[] Operators =
    [
        ("Add(Tensor)", "add", Variant.Tensors),
        ("op_Addition(Tensor, Tensor)", "add", Variant.Tensors),
        ("op_Addition(Tensor, Double)", "add", Variant.TensorScalar),
        ("op_Addition(Double, Tensor)", "add", Variant.ScalarTensor),
        ("Sub(Tensor)", "sub", Variant.Tensors),
        ("op_Subtraction(Tensor, Tensor)", "sub", Variant.Tensors),
        ("op_Subtraction(Tensor, Double)", "sub", Variant.TensorScalar),
        ("op_Subtraction(Double, Tensor)", "sub", Variant.ScalarTensor),
        ("Mul(Tensor)", "mul", Variant.Tensors),
        ("op_Multiply(Tensor, Tensor)", "mul", Variant.Tensors),
        ("op_Multiply(Tensor, Double)", "mul", Variant.TensorScalar),
        ("op_Multiply(Double, Tensor)", "mul", Variant.ScalarTensor),
        ("Div(Tensor)", "div", Variant.Tensors),
        ("op_Division(Tensor, Tensor)", "div", Variant.Tensors),
        ("op_Division(Tensor, Double)", "div", Variant.TensorScalar),
        ("op_Division(Double, Tensor)", "div", Variant.ScalarTensor),
        ("Neg()", "neg", Variant.Any),
        ("op_UnaryNegation(Tensor)", "neg", Variant.Any),
        ("Pow(Tensor)", "pow", Variant.Tensors),
        ("Pow(Double)", "pow", Variant.TensorScalar),
        ("Square()", "square", Variant.Any),
        ("Exp()", "exp", Variant.Any),
        ("Log()", "ln", Variant.Any),
        ("Sqrt()", "sqrt", Variant.Any),
        ("Abs()", "abs", Variant.Any),
        ("Tanh()", "tanh", Variant.Any),
        ("Sigmoid()", "sigmoid", Variant.Any),
        ("Relu()", "relu", Variant.Any),
        ("Maximum(Tensor)", "maximum", Variant.Tensors),
        ("Maximum(Double)", "maximum", Variant.TensorScalar),
        ("Minimum(Tensor)", "minimum", Variant.Tensors),
        ("Minimum(Double)", "minimum", Variant.TensorScalar),
        ("Clamp(Double, Double)", "clamp", Variant.Any),
        ("Where(Tensor, Tensor, Tensor)", "where", Variant.Any),
        ("To(DType)", "to", Variant.Any),
        ("MatMul(Tensor)", "matmul", Variant.Any),
        ("MatMul(Tensor, Tensor)", "matmul", Variant.Any),
        ("Sum()", "sum", Variant.Any),
        ("Sum(Int32, Boolean)", "sum", Variant.Any),
        ("Sum(Int32[], Boolean)", "sum", Variant.Any),
        ("SumTo(ReadOnlySpan`1)", "sum_to", Variant.Any),
        ("Mean()", "mean", Variant.Any),
        ("Mean(Int32, Boolean)", "mean", Variant.Any),
        ("Mean(Int32[], Boolean)", "mean", Variant.Any),
        ("Var(Int32[], Int32, Boolean)", "var", Variant.Any),
        ("Max()", "max", Variant.Any),
        ("Max(Int32, Boolean)", "max", Variant.Any),
        ("Min()", "min", Variant.Any),
        ("Min(Int32, Boolean)", "min", Variant.Any),
        ("Softmax(Int32)", "softmax", Variant.Any),
        ("LogSoftmax(Int32)", "log_softmax", Variant.Any),
        ("CrossEntropy(Int32[], Double, Reduction, Int32, Tensor)", "cross_entropy", Variant.Any),
        ("CrossEntropy(Tensor, Double, Reduction, Int32, Tensor)", "cross_entropy", Variant.Any),
        ("MseLoss(Tensor, Reduction)", "mse", Variant.Any),
        ("Reshape(Int32[])", "reshape", Variant.Any),
        ("View(Int32[])", "view", Variant.Any),
        ("Flatten(Int32, Int32)", "flatten", Variant.Any),
        ("Squeeze(Nullable`1)", "squeeze", Variant.Any),
        ("Unsqueeze(Int32)", "unsqueeze", Variant.Any),
        ("Transpose(Int32, Int32)", "transpose", Variant.Any),
        ("get_T()", "t", Variant.Any),
        ("Permute(Int32[])", "permute", Variant.Any),
        ("Expand(Int32[])", "expand", Variant.Any),
        ("BroadcastTo(Int32[])", "broadcast_to", Variant.Any),
        ("Narrow(Int32, Int32, Int32)", "narrow", Variant.Any),
        ("Slice(Int32, Int32, Int32, Int32)", "slice", Variant.Any),
        ("IndexSelect(Int32, Int32[])", "index_select", Variant.Any),
        ("Gather(Int32, Tensor)", "gather", Variant.Any),
        ("Concat(IReadOnlyList`1, Int32)", "concat", Variant.Any),
        ("Stack(IReadOnlyList`1, Int32)", "stack", Variant.Any),
        ("Contiguous()", "contiguous", Variant.Any),
        ("Clone()", "clone", Variant.Any),
        ("Linear(Tensor, Tensor, Tensor)", "linear", Variant.Any),
        ("LinearGelu(Tensor, Tensor, Tensor)", "linear_gelu", Variant.Any),
        ("Conv2d(Tensor, Tensor, Tensor, Int32, Int32)", "conv2d", Variant.Any),
        ("MaxPool2d(Tensor, Int32, Nullable`1, Int32)", "max_pool2d", Variant.Any),
        ("Gelu(GeluApproximation)", "gelu", Variant.Any),
        ("Silu()", "silu", Variant.Any),
        ("Softplus(Double, Double)", "softplus", Variant.Any),
        ("Log1p()", "log1p", Variant.Any),
        ("Erf()", "erf", Variant.Any),
        ("Sin()", "sin", Variant.Any),
        ("Cos()", "cos", Variant.Any),
        ("MaskedFill(Tensor, Double)", "masked_fill", Variant.Any),
        ("Tril(Int32)", "tril", Variant.Any),
        ("Triu(Int32)", "triu", Variant.Any),
        ("Amax()", "amax", Variant.Any),
        ("Amax(Int32, Boolean)", "amax", Variant.Any),
        ("Amax(Int32[], Boolean)", "amax", Variant.Any),
        ("Amin()", "amin", Variant.Any),
        ("Amin(Int32, Boolean)", "amin", Variant.Any),
        ("Amin(Int32[], Boolean)", "amin", Variant.Any),
        ("Var(Int32, Int32, Boolean)", "var", Variant.Any),
        ("Std(Int32[], Int32, Boolean)", "std", Variant.Any),
        ("Std(Int32, Int32, Boolean)", "std", Variant.Any),
        ("Cumsum(Int32)", "cumsum", Variant.Any),
        ("LayerNorm(Tensor, Tensor, Tensor, Double)", "layer_norm", Variant.Any),
        ("ScaledDotProductAttention(Tensor, Tensor, Tensor, Boolean, Nullable`1)", "scaled_dot_product_attention", Variant.Any),
        ("ScaledDotProductAttention(Tensor, Tensor, Tensor, Tensor, Boolean, Nullable`1)", "scaled_dot_product_attention", Variant.Any),
        ("SelfAttention(Tensor, Int32, Boolean, Nullable`1)", "self_attention", Variant.Any),
        ("Embedding(Tensor, Tensor)", "embedding", Variant.Any),
        ("Split(Int32, Int32)", "split", Variant.Any),
        ("Split(Int32[], Int32)", "split", Variant.Any),
        ("Chunk(Int32, Int32)", "chunk", Variant.Any),
        ("TopK(Int32, Int32, Boolean, Boolean)", "topk", Variant.Any),
        ("Sort(Int32, Boolean)", "sort", Variant.Any),
        ("Pad(Int32[], Double)", "pad", Variant.Any),
        ("ScatterAdd(Int32, Tensor, Tensor)", "scatter_add", Variant.Any),
        ("Conv1d(Tensor, Tensor, Tensor, Int32, Int32)", "conv1d", Variant.Any),
        ("AvgPool2d(Tensor, Int32, Nullable`1, Int32)", "avg_pool2d", Variant.Any),
        ("AdaptiveAvgPool2d(Tensor, Int32, Int32)", "adaptive_avg_pool2d", Variant.Any),
        ("AdaptiveAvgPool2d(Tensor, Int32)", "adaptive_avg_pool2d", Variant.Any),
    ];

    // Public members returning a Tensor that are not differentiable operators: creation, masks, indices, graph plumbing.
    private static readonly HashSet<string> NotOperators =
    [
        "Scalar", "FromArray", "Wrap", "FromRows", "Zeros", "Ones", "Full", "Arange", "Linspace", "Eye", "Rand", "Uniform",
        "Randn", "Normal", "ZerosLike", "OnesLike", "FullLike", "RandLike", "RandnLike",
        "Greater", "Eq", "Ne", "Lt", "Le", "Gt", "Ge", "ArgMax", "ArgMin", "Argsort", "OneHot", "Multinomial", "Detach", "RetainGrad", "Fill", "get_Grad", "get_GradFn",
    ];

    // A tensor, pieces of one (split, chunk) or values with indices (topk, sort).
    private static bool ReturnsTensors(Type type) =>
        type == typeof(Tensor) || type == typeof(Tensor[]) || type == typeof((Tensor, Tensor));

    private static string Signature(MethodInfo m) =>
        $"{m.Name}({string.Join(", ", m.GetParameters().Select(p => p.ParameterType.Name))})";

    private static bool Matches(GradCheckCase c, Variant variant) => variant switch
    {
        Variant.Tensors => !c.Description.Contains("scalar", StringComparison.Ordinal),
        Variant.TensorScalar => c.Description.Contains("scalar", StringComparison.Ordinal) && !c.Description.StartsWith("scalar", StringComparison.Ordinal),
        Variant.ScalarTensor => c.Description.StartsWith("scalar", StringComparison.Ordinal),
        _ => true,
    };

    [Fact]
    public void EveryPublicOperatorHasAGradCheckCase()
    {
        var missing = Operators
            .Where(o => !GradCheckSuite.All.Any(c => c.Operator == o.Operator && Matches(c, o.Variant)))
            .Select(o => $"{o.Signature} → '{o.Operator}' ({o.Variant})")
            .ToList();
        Assert.True(missing.Count == 0, "no gradcheck case for: " + string.Join("; ", missing));
    }

    [Fact]
    public void TheOperatorListCoversEveryPublicTensorMethod()
    {
        // Keeps the explicit list above honest: a new public operator on Tensor fails here until it is listed (and checked).
        var listed = Operators.Select(o => o.Signature).ToHashSet();
        var unlisted = typeof(Tensor)
            .GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Where(m => ReturnsTensors(m.ReturnType) && !NotOperators.Contains(m.Name))
            .Select(Signature)
            .Where(s => !listed.Contains(s))
            .Distinct()
            .ToList();
        Assert.True(unlisted.Count == 0, "public Tensor operators missing from the list: " + string.Join("; ", unlisted));
    }

    [Fact]
    public void AWrongGradientIsReportedAsAFailure()
    {
        // A check that cannot fail checks nothing: y = x·detach(x) has true gradient 2x but back-propagates only x.
        var result = GradCheck.Check(x => x[0] * x[0].Detach(), [Tensor.FromArray(new[] { 1.0, -2.0, 3.0 })]);
        Assert.False(result.Passed);
        Assert.Contains("FAILED", result.ToString());
    }
}
