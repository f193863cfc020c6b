#:project ../src/Backprop/Backprop.csproj
// A differentiable operation of your own: smooth_abs(x) = sqrt(x² + β²) − β, a |x| without the corner at 0.
// Define its forward and backward, check the backward against finite differences, use it in a model and train it.
//
//     dotnet run samples/custom_op.cs             (a few thousand steps)
//     dotnet run samples/custom_op.cs -- --short  (CI: a few seconds)
//
// Exits 0 only if the gradient check passes and the model learns the target.
using Backprop;
using Backprop.NN;
using Backprop.Optim;

bool quick = args.Contains("--short");

// 1. The backward agrees with central differences (in float64, at random points).
var points = Tensor.Normal([4, 5], 0, 1, new Generator(1), DType.Float64);
var check = GradCheck.Check(x => new SmoothAbs(0.1).Apply(x[0]), [points]);
Console.WriteLine($"gradient check: {(check.Passed ? "passed" : "FAILED")}, largest error {check.MaxAbsError:G2}");
if (!check.Passed) return 1;

// 2. A small network with the new operation as its activation learns y = |x₀| − |x₁|.
Generator.ManualSeed(0);
var model = new Sequential(new Linear(2, 16), new SmoothAbsLayer(0.1), new Linear(16, 1));
var optimizer = new Adam(model.Parameters(), learningRate: 0.02);
var inputs = Tensor.Uniform([256, 2], -2, 2);
var x = inputs.ToFloatArray();
var targets = Tensor.FromArray(Enumerable.Range(0, 256).Select(i => MathF.Abs(x[2 * i]) - MathF.Abs(x[2 * i + 1])).ToArray(), 256, 1);

int steps = quick ? 300 : 3000;
double loss = double.NaN, first = double.NaN;
for (int step = 1; step <= steps; step++)
{
    optimizer.ZeroGrad();
    var mse = (model.Forward(inputs) - targets).Square().Mean();
    mse.Backward();
    optimizer.Step();
    loss = mse.Item();
    if (step == 1) first = loss;
    if (step % (steps / 5) == 0) Console.WriteLine($"step {step,5}: loss {loss:F5}");
}

bool learned = loss < first / 20;
Console.WriteLine(learned ? $"learned: loss {first:F3} → {loss:F5}" : $"did not learn: loss {first:F3} → {loss:F5}");
return learned ? 0 : 1;

/// <summary>smooth_abs(x) = √(x² + β²) − β; its derivative is x / √(x² + β²).</summary>
sealed class SmoothAbs(double beta) : Function
{
    protected override Tensor Forward(FunctionContext ctx, ReadOnlySpan<Tensor> inputs)
    {
        var root = (inputs[0].Square() + beta * beta).Sqrt();
        ctx.SaveForBackward(inputs[0], root); // what the backward needs, kept from the forward
        return root - beta;
    }

    protected override Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput)
    {
        var (x, root) = (ctx.SavedTensors[0], ctx.SavedTensors[1]);
        return [gradOutput * x / root]; // one gradient per input
    }
}

/// <summary>The operation as a layer, so it fits in a Sequential.</summary>
sealed class SmoothAbsLayer(double beta) : Module<Tensor, Tensor>
{
    private readonly SmoothAbs _op = new(beta);

    public override Tensor Forward(Tensor input) => _op.Apply(input);

    public override string Describe() => $"SmoothAbs(β={beta})";
}
