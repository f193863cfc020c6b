namespace Backprop.Cli;

/// <summary>One operator's gradient check: what is computed, on which inputs.</summary>
/// <param name="Operator">The operator's name.</param>
/// <param name="Description">The shapes (and variant) checked.</param>
/// <param name="Function">The computation.</param>
/// <param name="Inputs">Fresh float64 inputs for it.</param>
/// <param name="Epsilon">The finite-difference step.</param>
/// <param name="AbsoluteTolerance">atol of the pass criterion |a − n| ≤ atol + rtol·|n|.</param>
/// <param name="RelativeTolerance">rtol of the pass criterion.</param>
public sealed record GradCheckCase(string Operator, string Description, Func<Tensor[], Tensor> Function, Func<Tensor[]> Inputs,
    double Epsilon = 1e-6, double AbsoluteTolerance = 1e-5, double RelativeTolerance = 1e-3)
{
    /// <summary>Runs the check.</summary>
    public GradCheckResult Run() => GradCheck.Check(Function, Inputs(), Epsilon, AbsoluteTolerance, RelativeTolerance);

    /// <summary>Runs the second-order check (<see cref="GradGradCheck"/>) on the same function and inputs.</summary>
    public GradGradCheckResult RunSecondOrder() => GradGradCheck.Check(Function, Inputs(), Epsilon, AbsoluteTolerance, RelativeTolerance);

    /// <summary>Runs the forward-mode check (<see cref="JvpCheck"/>) on the same function and inputs.</summary>
    public GradCheckResult RunForwardMode() => JvpCheck.Check(Function, Inputs(), Epsilon, AbsoluteTolerance, RelativeTolerance);
}

/// <summary>
/// A gradient check for every operator, on random shapes including broadcast and batched cases — used by the tests
/// and by <c>backprop gradcheck</c>. Inputs are seeded, so a failure is reproducible; values for operators with a
/// kink (relu, abs, max, clamp) are kept away from it so central differences are meaningful.
/// </summary>
public static class GradCheckSuite
{
    /// <summary>All cases.</summary>
    public static IReadOnlyList<GradCheckCase> All { get; } = Build();

    private static Tensor R(int seed, params int[] shape) => Tensor.Normal(shape, 0, 1, new Generator((ulong)seed), DType.Float64);

    // Positive values in [0.5, 2): the domain of ln, sqrt, a power's base and a divisor.
    private static Tensor P(int seed, params int[] shape) => Tensor.Uniform(shape, 0.5, 2, new Generator((ulong)seed), DType.Float64);

    // Values at least 0.1 away from zero, for functions with a kink there.
    private static Tensor K(int seed, params int[] shape)
    {
        var values = R(seed, shape).ToDoubleArray();
        for (int i = 0; i < values.Length; i++) values[i] += values[i] >= 0 ? 0.1 : -0.1;
        return Tensor.FromArray(values, shape);
    }

    private static Tensor Ints(int[] values, params int[] shape) => Tensor.FromArray(values, shape);

    private static List<GradCheckCase> Build()
    {
        var c = new List<GradCheckCase>();
        void Add(string op, string shapes, Func<Tensor[], Tensor> f, Func<Tensor[]> inputs) => c.Add(new(op, shapes, f, inputs));

        Add("add", "[3,4] + [4]", x => x[0] + x[1], () => [R(1, 3, 4), R(2, 4)]);
        Add("add", "[2,1,3] + [4,1]", x => x[0] + x[1], () => [R(3, 2, 1, 3), R(4, 4, 1)]);
        Add("add", "[3] + scalar", x => x[0] + 2.5, () => [R(5, 3)]);
        Add("sub", "[2,3] - [2,1]", x => x[0] - x[1], () => [R(6, 2, 3), R(7, 2, 1)]);
        Add("sub", "scalar - [4]", x => 1.5 - x[0], () => [R(8, 4)]);
        Add("sub", "[4] - scalar", x => x[0] - 1.5, () => [R(99, 4)]);
        Add("add", "scalar + [3]", x => 2.5 + x[0], () => [R(100, 3)]);
        Add("mul", "[2,3,4] * [3,1]", x => x[0] * x[1], () => [R(9, 2, 3, 4), R(10, 3, 1)]);
        Add("mul", "[] * [3]", x => x[0] * x[1], () => [R(11), R(12, 3)]);
        Add("mul", "[2,3] * scalar", x => x[0] * -1.5, () => [R(101, 2, 3)]);
        Add("mul", "scalar * [3]", x => 0.5 * x[0], () => [R(102, 3)]);
        Add("div", "[3,4] / [4]", x => x[0] / x[1], () => [R(13, 3, 4), P(14, 4)]);
        Add("div", "scalar / [5]", x => 2.0 / x[0], () => [P(15, 5)]);
        Add("div", "[5] / scalar", x => x[0] / 4.0, () => [R(103, 5)]);
        Add("neg", "[2,3]", x => -x[0], () => [R(16, 2, 3)]);
        Add("pow", "[3,2] ^ [2]", x => x[0].Pow(x[1]), () => [P(17, 3, 2), R(18, 2)]);
        Add("pow", "[4] ^ scalar 3", x => x[0].Pow(3), () => [R(19, 4)]);
        Add("square", "[2,3]", x => x[0].Square(), () => [R(104, 2, 3)]);
        Add("exp", "[2,3]", x => x[0].Exp(), () => [R(20, 2, 3)]);
        Add("ln", "[2,3]", x => x[0].Log(), () => [P(21, 2, 3)]);
        Add("sqrt", "[5]", x => x[0].Sqrt(), () => [P(22, 5)]);
        Add("abs", "[2,4]", x => x[0].Abs(), () => [K(23, 2, 4)]);
        Add("tanh", "[3,3]", x => x[0].Tanh(), () => [R(24, 3, 3)]);
        Add("sigmoid", "[3,3]", x => x[0].Sigmoid(), () => [R(25, 3, 3)]);
        Add("relu", "[4,3]", x => x[0].Relu(), () => [K(26, 4, 3)]);
        Add("maximum", "[3,4] vs [4]", x => x[0].Maximum(x[1]), () => [R(27, 3, 4), R(28, 4)]);
        Add("minimum", "[2,3] vs [2,1]", x => x[0].Minimum(x[1]), () => [R(29, 2, 3), R(30, 2, 1)]);
        // K keeps values at least 0.1 from 0, the constant, where the gate switches.
        Add("maximum", "[3,4] vs scalar 0", x => x[0].Maximum(0.0), () => [K(105, 3, 4)]);
        Add("minimum", "[3,4] vs scalar 0", x => x[0].Minimum(0.0), () => [K(106, 3, 4)]);
        // The scalar forms once more on 0-d tensors (the single-element path) and with other constants.
        Add("add", "[] + scalar (0-d)", x => x[0] + 0.5, () => [R(117)]);
        Add("sub", "scalar - [] (0-d)", x => 3.0 - x[0], () => [R(118)]);
        Add("mul", "[] * scalar (0-d)", x => x[0] * 4.0, () => [R(119)]);
        Add("div", "scalar / [] (0-d)", x => -2.0 / x[0], () => [P(120)]);
        Add("pow", "[3] ^ scalar 0.5", x => x[0].Pow(0.5), () => [P(121, 3)]);
        Add("pow", "[] ^ scalar -2 (0-d)", x => x[0].Pow(-2), () => [P(122)]);
        // A constant far above every input: maximum passes no gradient to x, minimum all of it.
        Add("maximum", "[2,3] vs scalar 5", x => x[0].Maximum(5.0), () => [R(123, 2, 3)]);
        Add("minimum", "[2,3] vs scalar 5", x => x[0].Minimum(5.0), () => [R(124, 2, 3)]);
        Add("clamp", "[4,4] to [-0.5, 0.5]", x => x[0].Clamp(-0.5, 0.5), () => [ClampInput()]);
        Add("where", "mask [3,1], [3,4], [4]", x => Tensor.Where(Mask(), x[0], x[1]), () => [R(31, 3, 4), R(32, 4)]);
        // Rounding to float32 inside the function limits central differences to ~1e-7/ε: a wider step and tolerance.
        c.Add(new("to", "float32 round trip [3]", x => x[0].To(DType.Float32).To(DType.Float64) * x[0], () => [R(33, 3)],
            Epsilon: 1e-3, AbsoluteTolerance: 1e-3, RelativeTolerance: 1e-3));
        Add("matmul", "[3,4] · [4,5]", x => Tensor.MatMul(x[0], x[1]), () => [R(34, 3, 4), R(35, 4, 5)]);
        Add("matmul", "[4] · [4]", x => Tensor.MatMul(x[0], x[1]), () => [R(36, 4), R(37, 4)]);
        Add("matmul", "[3,4] · [4]", x => Tensor.MatMul(x[0], x[1]), () => [R(38, 3, 4), R(39, 4)]);
        Add("matmul", "[4] · [4,2]", x => Tensor.MatMul(x[0], x[1]), () => [R(40, 4), R(41, 4, 2)]);
        Add("matmul", "[2,3,4] · [4,5]", x => Tensor.MatMul(x[0], x[1]), () => [R(42, 2, 3, 4), R(43, 4, 5)]);
        Add("matmul", "[2,1,3,4] · [3,4,2]", x => Tensor.MatMul(x[0], x[1]), () => [R(44, 2, 1, 3, 4), R(45, 3, 4, 2)]);
        Add("matmul", "[3,4]ᵀ · [3,2]", x => Tensor.MatMul(x[0].T, x[1]), () => [R(46, 3, 4), R(47, 3, 2)]);
        Add("sum", "[3,4] all", x => x[0].Sum(), () => [R(48, 3, 4)]);
        Add("sum", "[2,3,4] axes (0,2)", x => x[0].Sum([0, 2]), () => [R(49, 2, 3, 4)]);
        Add("sum", "[2,3] axis 1 keepdim", x => x[0].Sum(1, keepDim: true), () => [R(50, 2, 3)]);
        Add("mean", "[2,3,4] axis -1", x => x[0].Mean(-1), () => [R(51, 2, 3, 4)]);
        Add("max", "[3,5] axis 1", x => x[0].Max(1), () => [R(52, 3, 5)]);
        Add("max", "[2,3,4] all", x => x[0].Max(), () => [R(53, 2, 3, 4)]);
        Add("min", "[4,3] axis 0 keepdim", x => x[0].Min(0, keepDim: true), () => [R(54, 4, 3)]);
        Add("var", "[3,5] axis 1", x => x[0].Var([1]), () => [R(55, 3, 5)]);
        Add("var", "[6] all, population", x => x[0].Var(correction: 0), () => [R(56, 6)]);
        Add("reshape", "[2,6] → [3,4]", x => x[0].Reshape(3, 4) * R(57, 3, 4), () => [R(58, 2, 6)]);
        Add("reshape", "transposed [3,4] → [12]", x => x[0].T.Reshape(-1) * R(59, 12), () => [R(60, 3, 4)]);
        Add("view", "[2,6] → [4,3]", x => x[0].View(4, 3) * R(107, 4, 3), () => [R(108, 2, 6)]);
        Add("flatten", "[2,3,4] from axis 1", x => x[0].Flatten(1) * R(61, 2, 12), () => [R(62, 2, 3, 4)]);
        Add("squeeze", "[3,1,2] → [3,2]", x => x[0].Squeeze() * R(63, 3, 2), () => [R(64, 3, 1, 2)]);
        Add("unsqueeze", "[3] → [3,1] + [4]", x => x[0].Unsqueeze(1) * R(65, 4), () => [R(66, 3)]);
        Add("permute", "[2,3,4] (2,0,1)", x => x[0].Permute(2, 0, 1) * R(67, 4, 2, 3), () => [R(68, 2, 3, 4)]);
        Add("transpose", "[3,4] axes (0,1)", x => x[0].Transpose(0, 1) * R(69, 4, 3), () => [R(70, 3, 4)]);
        Add("expand", "[3,1] → [3,4]", x => x[0].Expand(3, 4) * R(71, 3, 4), () => [R(72, 3, 1)]);
        Add("broadcast_to", "[4] → [2,3,4]", x => x[0].BroadcastTo(2, 3, 4) * R(109, 2, 3, 4), () => [R(110, 4)]);
        Add("sum_to", "[2,3,4] → [3,1]", x => x[0].SumTo([3, 1]) * R(111, 3, 1), () => [R(112, 2, 3, 4)]);
        Add("t", "[2,3,4] axes reversed", x => x[0].T * R(113, 4, 3, 2), () => [R(114, 2, 3, 4)]);
        Add("narrow", "[5,3] axis 0, 1..4", x => x[0].Narrow(0, 1, 3) * R(73, 3, 3), () => [R(74, 5, 3)]);
        Add("slice", "[4,7] axis 1, 1:7:2", x => x[0].Slice(1, 1, 7, 2) * R(75, 4, 3), () => [R(76, 4, 7)]);
        Add("index_select", "[4,3] rows (3,0,3)", x => x[0].IndexSelect(0, 3, 0, 3) * R(77, 3, 3), () => [R(78, 4, 3)]);
        Add("gather", "[3,4] axis 1", x => x[0].Gather(1, Ints([0, 3, 1, 1, 2, 2], 3, 2)) * R(79, 3, 2), () => [R(80, 3, 4)]);
        Add("concat", "[2,3] ++ [4,3] axis 0", x => Tensor.Concat([x[0], x[1]], 0) * R(81, 6, 3), () => [R(82, 2, 3), R(83, 4, 3)]);
        Add("stack", "2 × [3] axis 1", x => Tensor.Stack([x[0], x[1]], 1) * R(84, 3, 2), () => [R(85, 3), R(86, 3)]);
        Add("contiguous", "transposed [3,4]", x => x[0].T.Contiguous() * R(87, 4, 3), () => [R(88, 3, 4)]);
        Add("clone", "sliced [4,3]", x => x[0].Slice(0, 0, 4, 2).Clone() * R(115, 2, 3), () => [R(116, 4, 3)]);
        Add("softmax", "[3,5] last axis", x => x[0].Softmax() * R(89, 3, 5), () => [R(90, 3, 5)]);
        Add("softmax", "[4,3] axis 0", x => x[0].Softmax(0) * R(91, 4, 3), () => [R(92, 4, 3)]);
        Add("log_softmax", "[3,5]", x => x[0].LogSoftmax(), () => [R(93, 3, 5)]);
        Add("cross_entropy", "[4,5] labels", x => x[0].CrossEntropy([1, 0, 4, 2]), () => [R(94, 4, 5)]);
        Add("cross_entropy", "[3,4] smoothing 0.1", x => x[0].CrossEntropy([3, 3, 0], 0.1), () => [R(95, 3, 4)]);
        Add("mse", "[4,2] vs [4,2]", x => x[0].MseLoss(x[1]), () => [R(96, 4, 2), R(97, 4, 2)]);
        // Neural-network operators (seeds 300+). Pooling inputs are random normals, so no window has a near-tie. Batch norm
        // is a fresh train-mode layer (batch statistics) followed by the checked γ·x̂ + β.
        Add("conv2d", "[2,3,5,5] * [4,3,3,3] + bias", x => Tensor.Conv2d(x[0], x[1], x[2], 1, 0), () => [R(300, 2, 3, 5, 5), R(301, 4, 3, 3, 3), R(302, 4)]);
        Add("conv2d", "[2,2,6,5] * [3,2,3,3] stride 2 padding 1", x => Tensor.Conv2d(x[0], x[1], x[2], 2, 1), () => [R(303, 2, 2, 6, 5), R(304, 3, 2, 3, 3), R(305, 3)]);
        Add("conv2d", "[1,3,4,4] * [2,3,1,1] no bias", x => Tensor.Conv2d(x[0], x[1], null, 1, 0), () => [R(306, 1, 3, 4, 4), R(307, 2, 3, 1, 1)]);
        Add("max_pool2d", "[2,3,4,4] kernel 2 stride 2", x => Tensor.MaxPool2d(x[0], 2, 2, 0), () => [R(308, 2, 3, 4, 4)]);
        Add("max_pool2d", "[1,2,5,5] kernel 3 stride 1 padding 1 (overlapping)", x => Tensor.MaxPool2d(x[0], 3, 1, 1), () => [R(309, 1, 2, 5, 5)]);
        Add("max_pool2d", "[1,2,7,6] kernel 3 stride 2 (overlapping)", x => Tensor.MaxPool2d(x[0], 3, 2, 0), () => [R(310, 1, 2, 7, 6)]);
        Add("linear", "[4,5] · [3,5]ᵀ + [3]", x => Tensor.Linear(x[0], x[1], x[2]), () => [R(311, 4, 5), R(312, 3, 5), R(313, 3)]);
        Add("linear", "[2,3] · [4,3]ᵀ no bias", x => Tensor.Linear(x[0], x[1], null), () => [R(314, 2, 3), R(315, 4, 3)]);
        Add("linear_gelu", "gelu([4,5] · [3,5]ᵀ + [3])", x => Tensor.LinearGelu(x[0], x[1], x[2]), () => [R(4316, 4, 5), R(4317, 3, 5), R(4318, 3)]);
        Add("linear_gelu", "gelu([2,2,3] · [4,3]ᵀ) no bias", x => Tensor.LinearGelu(x[0], x[1], null), () => [R(4319, 2, 2, 3), R(4320, 4, 3)]);
        Add("batch_norm", "1d [6,4] train mode, γ and β", x => new NN.BatchNorm1d(4, dtype: DType.Float64).Forward(x[0]) * x[1] + x[2], () => [R(316, 6, 4), R(317, 4), R(318, 4)]);
        Add("batch_norm", "2d [3,2,3,3] train mode, γ and β", x => new NN.BatchNorm2d(2, dtype: DType.Float64).Forward(x[0]) * x[1].Reshape(1, 2, 1, 1) + x[2].Reshape(1, 2, 1, 1), () => [R(319, 3, 2, 3, 3), R(320, 2), R(321, 2)]);
        Add("bce_with_logits", "[4,3] vs targets in [0,1]", x => NN.Losses.BinaryCrossEntropyWithLogits(x[0], x[1]),
            () => [K(322, 4, 3), Tensor.Uniform([4, 3], 0, 1, new Generator(323), DType.Float64)]);
        // The operators of modern models (seeds 600+). Softplus is checked on both sides of its threshold, away from it
        // (where its two branches meet with a small jump); amax/amin on random normals, which have no ties.
        Add("gelu", "[3,4] exact", x => x[0].Gelu(), () => [R(600, 3, 4)]);
        Add("gelu", "[3,4] tanh approximation", x => x[0].Gelu(GeluApproximation.Tanh), () => [R(601, 3, 4)]);
        Add("silu", "[3,4]", x => x[0].Silu(), () => [R(602, 3, 4)]);
        Add("softplus", "[2,3] beta 1", x => x[0].Softplus(), () => [R(603, 2, 3)]);
        Add("softplus", "[6] beta 2 threshold 3, both branches", x => x[0].Softplus(2, 3),
            () => [Tensor.FromArray(new[] { -2.0, -0.7, 0.1, 0.9, 2.2, 3.1 })]);
        Add("log1p", "[3,4]", x => x[0].Log1p(), () => [Tensor.Uniform([3, 4], -0.5, 2, new Generator(604), DType.Float64)]);
        Add("erf", "[3,4]", x => x[0].Erf(), () => [R(605, 3, 4)]);
        Add("sin", "[3,4]", x => x[0].Sin(), () => [R(606, 3, 4)]);
        Add("cos", "[3,4]", x => x[0].Cos(), () => [R(607, 3, 4)]);
        Add("masked_fill", "[3,4] mask [3,1]", x => x[0].MaskedFill(Tensor.FromArray(new[] { 1, 0, 1 }, 3, 1), -1.0), () => [R(608, 3, 4)]);
        Add("masked_fill", "[4] mask [2,4] (broadcast result)", x => x[0].MaskedFill(Tensor.FromArray(new[] { 1.0, 0, 0, 1, 0, 1, 0, 0 }, 2, 4), 2.0),
            () => [R(609, 4)]);
        Add("tril", "[4,5] diagonal 1", x => x[0].Tril(1) * R(610, 4, 5), () => [R(611, 4, 5)]);
        Add("triu", "[2,3,4] diagonal -1", x => x[0].Triu(-1) * R(612, 2, 3, 4), () => [R(613, 2, 3, 4)]);
        Add("amax", "[3,5] axis 1", x => x[0].Amax(1), () => [R(614, 3, 5)]);
        Add("amax", "[2,3,4] axes (0,2) keepdim", x => x[0].Amax([0, 2], keepDim: true), () => [R(615, 2, 3, 4)]);
        Add("amax", "[2,3] all", x => x[0].Amax(), () => [R(616, 2, 3)]);
        Add("amin", "[4,3] axis 0", x => x[0].Amin(0), () => [R(617, 4, 3)]);
        Add("amin", "[2,3,2] axes (1,2)", x => x[0].Amin([1, 2]), () => [R(618, 2, 3, 2)]);
        Add("amin", "[3,2] all", x => x[0].Amin(), () => [R(619, 3, 2)]);
        Add("std", "[3,5] axis 1", x => x[0].Std(1), () => [R(620, 3, 5)]);
        Add("std", "[6] all, population", x => x[0].Std(correction: 0), () => [R(621, 6)]);
        Add("std", "[2,3,4] axes (0,2) keepdim", x => x[0].Std([0, 2], keepDim: true), () => [R(622, 2, 3, 4)]);
        Add("var", "[4,3] axis 0, one-axis form", x => x[0].Var(0), () => [R(623, 4, 3)]);
        Add("cumsum", "[3,4] axis 1", x => x[0].Cumsum(1) * R(624, 3, 4), () => [R(625, 3, 4)]);
        Add("cumsum", "[2,3,4] axis 0", x => x[0].Cumsum(0) * R(626, 2, 3, 4), () => [R(627, 2, 3, 4)]);
        // Transformer operators and the losses' options (seeds 400+).
        Add("layer_norm", "[2,3,5] weight and bias", x => Tensor.LayerNorm(x[0], x[1], x[2]), () => [R(400, 2, 3, 5), R(401, 5), R(402, 5)]);
        Add("layer_norm", "[4,6] weight only, eps 1e-3", x => Tensor.LayerNorm(x[0], x[1], null, 1e-3), () => [R(403, 4, 6), R(404, 6)]);
        Add("layer_norm", "[3,4] no affine", x => Tensor.LayerNorm(x[0]) * R(405, 3, 4), () => [R(406, 3, 4)]);
        Add("layer_norm", "[2,5] bias only", x => Tensor.LayerNorm(x[0], null, x[1]) * R(407, 2, 5), () => [R(408, 2, 5), R(409, 5)]);
        Add("scaled_dot_product_attention", "[2,3,5,4] causal", x => Tensor.ScaledDotProductAttention(x[0], x[1], x[2], isCausal: true) * R(410, 2, 3, 5, 4),
            () => [R(411, 2, 3, 5, 4), R(412, 2, 3, 5, 4), R(413, 2, 3, 5, 4)]);
        Add("scaled_dot_product_attention", "q [2,4,3], k [2,6,3], v [2,6,5], scale 0.7", x => Tensor.ScaledDotProductAttention(x[0], x[1], x[2], scale: 0.7) * R(414, 2, 4, 5),
            () => [R(415, 2, 4, 3), R(416, 2, 6, 3), R(417, 2, 6, 5)]);
        Add("scaled_dot_product_attention", "head views of a [2,5,12] projection, causal",
            x => Tensor.ScaledDotProductAttention(Heads(x[0], 0), Heads(x[0], 1), Heads(x[0], 2), isCausal: true) * R(418, 1, 2, 2, 5, 2),
            () => [R(419, 2, 5, 12)]);
        Add("self_attention", "packed [2,5,12], 2 heads, causal", x => Tensor.SelfAttention(x[0], 2, isCausal: true) * R(428, 2, 5, 4),
            () => [R(429, 2, 5, 12)]);
        Add("self_attention", "packed [3,18], 3 heads, scale 0.6", x => Tensor.SelfAttention(x[0], 3, scale: 0.6) * R(430, 3, 6),
            () => [R(431, 3, 18)]);
        Add("self_attention", "packed [2,2,4,6] (two batch axes), 1 head, causal", x => Tensor.SelfAttention(x[0], 1, isCausal: true) * R(432, 2, 2, 4, 2),
            () => [R(433, 2, 2, 4, 6)]);
        Add("scaled_dot_product_attention", "[2,4,3] with an additive mask [4,4]", x => Tensor.ScaledDotProductAttention(x[0], x[1], x[2], x[3]) * R(420, 2, 4, 3),
            () => [R(421, 2, 4, 3), R(422, 2, 4, 3), R(423, 2, 4, 3), R(424, 4, 4)]);
        Add("multihead_attention", "[2,4,6] self-attention, 2 heads, causal",
            x => new NN.MultiheadAttention(6, 2, generator: new Generator(425), isCausal: true, dtype: DType.Float64).Forward(x[0], x[0], x[0]) * R(426, 2, 4, 6),
            () => [R(427, 2, 4, 6)]);
        Add("multihead_attention", "query [2,3,4], key and value [2,5,4], no bias",
            x => new NN.MultiheadAttention(4, 2, bias: false, generator: new Generator(428), dtype: DType.Float64).Forward(x[0], x[1], x[2]) * R(429, 2, 3, 4),
            () => [R(430, 2, 3, 4), R(431, 2, 5, 4), R(432, 2, 5, 4)]);
        Add("cross_entropy", "[2,3,5] (B, T, V) labels [2,3], weights, ignore, smoothing 0.1, none",
            x => x[0].CrossEntropy(Ints([4, -100, 0, 2, 2, 1], 2, 3), 0.1, Reduction.None, weight: Tensor.FromArray(new[] { 0.5, 1, 2, 1.5, 0.8 }, 5)) * R(433, 2, 3),
            () => [R(434, 2, 3, 5)]);
        Add("cross_entropy", "[4,3] weights, ignore index 1, mean", x => x[0].CrossEntropy(Ints([0, 1, 2, 2], 4), reduction: Reduction.Mean, ignoreIndex: 1,
            weight: Tensor.FromArray(new[] { 0.3, 1, 2.5 }, 3)), () => [R(435, 4, 3)]);
        Add("cross_entropy", "[3,4] sum", x => x[0].CrossEntropy([3, 0, 1], reduction: Reduction.Sum), () => [R(436, 3, 4)]);
        Add("mse", "[3,2] sum", x => x[0].MseLoss(x[1], Reduction.Sum), () => [R(437, 3, 2), R(438, 3, 2)]);
        Add("mse", "[3,2] none", x => x[0].MseLoss(x[1], Reduction.None) * R(439, 3, 2), () => [R(440, 3, 2), R(441, 3, 2)]);
        Add("l1", "[3,4] mean", x => NN.Losses.L1(x[0], x[1]), () => [K(442, 3, 4), Tensor.Zeros([3, 4], DType.Float64)]);
        Add("bce_with_logits", "[2,3] sum", x => NN.Losses.BinaryCrossEntropyWithLogits(x[0], x[1], Reduction.Sum),
            () => [K(443, 2, 3), Tensor.Uniform([2, 3], 0, 1, new Generator(444), DType.Float64)]);
        // Indexing, shape, sampling and pooling operators (seeds 600+). Sort and top-k inputs are random normals, so no
        // two values are close enough for a finite difference to reorder them; pooling windows average, so they have no kinks.
        Add("embedding", "table [5,3], indices [2,3] with repeats", x => Tensor.Embedding(Ints([4, 0, 4, 1, 4, 0], 2, 3), x[0]) * R(600, 2, 3, 3), () => [R(601, 5, 3)]);
        Add("embedding", "tied: table [4,3] looked up and as output projection", x => Tensor.MatMul(Tensor.Embedding(Ints([1, 3, 1], 3), x[0]), x[0].T) * R(602, 3, 4), () => [R(603, 4, 3)]);
        Add("split", "[5,3] sizes 2 on axis 0", x => Tensor.Concat(x[0].Split(2, 0).Select((t, i) => t * (i + 1.0)).ToArray(), 0) * R(604, 5, 3), () => [R(605, 5, 3)]);
        Add("split", "[2,6] sizes (1,3,2) on axis 1", x => x[0].Split([1, 3, 2], 1)[1] * R(606, 2, 3) + x[0].Split([1, 3, 2], 1)[2].Sum(), () => [R(607, 2, 6)]);
        Add("chunk", "[3,7] into 3 on axis -1", x => x[0].Chunk(3, -1)[2] * R(608, 3, 1) + x[0].Chunk(3, -1)[0].Square().Sum(), () => [R(609, 3, 7)]);
        Add("pad", "[2,3,4] (1,2) on the last axis, value 0.5", x => x[0].Pad([1, 2], 0.5) * R(610, 2, 3, 7), () => [R(611, 2, 3, 4)]);
        Add("pad", "[2,3,4] (1,0,-1,2) cropping", x => x[0].Pad([1, 0, -1, 2]) * R(612, 2, 4, 5), () => [R(613, 2, 3, 4)]);
        Add("scatter_add", "[3,4] axis 0, index [2,4] with repeats, src [3,4]", x => x[0].ScatterAdd(0, Ints([2, 0, 2, 1, 2, 2, 0, 1], 2, 4), x[1]) * R(614, 3, 4), () => [R(615, 3, 4), R(616, 3, 4)]);
        Add("scatter_add", "[2,5] axis 1, index [2,3]", x => x[0].ScatterAdd(1, Ints([4, 4, 0, 1, 3, 1], 2, 3), x[1]) * R(617, 2, 5), () => [R(618, 2, 5), R(619, 2, 3)]);
        Add("topk", "[3,6] k 3 largest", x => x[0].TopK(3).Values * R(620, 3, 3), () => [R(621, 3, 6)]);
        Add("topk", "[5,2] k 2 smallest on axis 0, unsorted", x => x[0].TopK(2, 0, largest: false, sorted: false).Values * R(622, 2, 2), () => [R(623, 5, 2)]);
        Add("sort", "[3,5] ascending", x => x[0].Sort().Values * R(624, 3, 5), () => [R(625, 3, 5)]);
        Add("sort", "[4,3] descending on axis 0", x => x[0].Sort(0, descending: true).Values * R(626, 4, 3), () => [R(627, 4, 3)]);
        Add("conv1d", "[2,3,7] * [4,3,3] + bias", x => Tensor.Conv1d(x[0], x[1], x[2]), () => [R(628, 2, 3, 7), R(629, 4, 3, 3), R(630, 4)]);
        Add("conv1d", "[2,2,8] * [3,2,3] stride 2 padding 1, no bias", x => Tensor.Conv1d(x[0], x[1], null, 2, 1), () => [R(631, 2, 2, 8), R(632, 3, 2, 3)]);
        Add("avg_pool2d", "[2,3,4,4] kernel 2", x => Tensor.AvgPool2d(x[0], 2), () => [R(633, 2, 3, 4, 4)]);
        Add("avg_pool2d", "[1,2,5,6] kernel 3 stride 2 padding 1 (overlapping)", x => Tensor.AvgPool2d(x[0], 3, 2, 1), () => [R(634, 1, 2, 5, 6)]);
        Add("adaptive_avg_pool2d", "[2,2,5,7] to 3×4 (overlapping windows)", x => Tensor.AdaptiveAvgPool2d(x[0], 3, 4), () => [R(635, 2, 2, 5, 7)]);
        Add("adaptive_avg_pool2d", "[1,3,4,4] to 1 (global)", x => Tensor.AdaptiveAvgPool2d(x[0], 1), () => [R(636, 1, 3, 4, 4)]);
        return c;
    }

    private static Tensor ClampInput()
    {
        // Keep values away from the bounds ±0.5, where clamp has kinks.
        var values = R(98, 4, 4).ToDoubleArray();
        for (int i = 0; i < values.Length; i++)
            if (Math.Abs(Math.Abs(values[i]) - 0.5) < 0.05) values[i] *= 1.3;
        return Tensor.FromArray(values, 4, 4);
    }

    // Block i of the last axis of [2, 5, 3·4] as two heads of 2: [1, 2, 2, 5, 2], a strided view (read in place, not copied).
    private static Tensor Heads(Tensor x, int block) => x.Reshape(2, 5, 3, 2, 2).Narrow(2, block, 1).Permute(2, 0, 3, 1, 4);

    private static Tensor Mask() => Tensor.FromArray(new[] { 1.0, 0, 1 }, 3, 1);
}
