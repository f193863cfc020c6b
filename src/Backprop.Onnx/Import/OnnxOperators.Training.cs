namespace Backprop.Onnx;

// The optimizer steps of ONNX's training domain (ai.onnx.preview.training), with ONNX's own update formulas (they
// differ in details from PyTorch's: Adagrad's decayed rate, Adam's post-step norm coefficient), on tensors.
internal static partial class OnnxOperators
{
    internal const string TrainingDomain = "ai.onnx.preview.training";

    private static readonly Dictionary<string, Operator> TrainingMap = new(StringComparer.Ordinal)
    {
        ["Adagrad"] = Adagrad,
        ["Momentum"] = Momentum,
        ["Adam"] = Adam,
    };

    /// <summary>The optimizer op types of the training domain, sorted.</summary>
    internal static IReadOnlyList<string> SupportedTrainingOpTypes => [.. TrainingMap.Keys.Order(StringComparer.Ordinal)];

    // R (the learning rate) and T (the step count) come first, then n tensors per optimizer state slot.
    private static (double Rate, double Step, int Count) OptimizerHead(OnnxNodeContext c, int slots)
    {
        double rate = c.OptionalScalar(0) ?? throw c.Error("expected the learning rate R");
        double step = c.OptionalScalar(1) ?? throw c.Error("expected the step count T");
        if ((c.InputCount - 2) % slots != 0 || c.InputCount < 2 + slots)
            throw c.Error($"expected R, T and {slots} groups of tensors of equal length, got {c.InputCount} inputs");
        return (rate, step, (c.InputCount - 2) / slots);
    }

    private static Tensor?[] Adagrad(OnnxNodeContext c)
    {
        var (rate, step, n) = OptimizerHead(c, 3);
        double decay = c.Float("decay_factor", 0), eps = c.Float("epsilon", 0), norm = c.Float("norm_coefficient", 0);
        double r = rate / (1 + step * decay);
        var outputs = new Tensor?[2 * n];
        for (int i = 0; i < n; i++)
        {
            Tensor x = c.Input(2 + i), g = c.Input(2 + n + i), h = c.Input(2 + 2 * n + i);
            var regularized = x * norm + g;
            var accumulated = h + regularized * regularized;
            outputs[i] = x - regularized * r / (accumulated.Sqrt() + eps);
            outputs[n + i] = accumulated;
        }
        return outputs;
    }

    private static Tensor?[] Momentum(OnnxNodeContext c)
    {
        var (rate, step, n) = OptimizerHead(c, 3);
        double alpha = c.Float("alpha", 0), beta = c.Float("beta", 0), norm = c.Float("norm_coefficient", 0);
        string mode = c.String("mode") ?? "standard";
        if (mode is not ("standard" or "nesterov")) throw c.Error($"mode '{mode}' is not standard or nesterov");
        double betaAdjusted = step > 0 ? beta : 1;
        var outputs = new Tensor?[2 * n];
        for (int i = 0; i < n; i++)
        {
            Tensor x = c.Input(2 + i), g = c.Input(2 + n + i), v = c.Input(2 + 2 * n + i);
            var regularized = x * norm + g;
            var velocity = v * alpha + regularized * betaAdjusted;
            outputs[i] = mode == "standard" ? x - velocity * rate : x - (regularized + velocity * alpha) * rate;
            outputs[n + i] = velocity;
        }
        return outputs;
    }

    private static Tensor?[] Adam(OnnxNodeContext c)
    {
        var (rate, step, n) = OptimizerHead(c, 4);
        double alpha = c.Float("alpha", 0.9f), beta = c.Float("beta", 0.999f), eps = c.Float("epsilon", 1e-6f);
        double norm = c.Float("norm_coefficient", 0), normPost = c.Float("norm_coefficient_post", 0);
        double adjustedRate = step > 0 ? rate * Math.Sqrt(1 - Math.Pow(beta, step)) / (1 - Math.Pow(alpha, step)) : rate;
        var outputs = new Tensor?[3 * n];
        for (int i = 0; i < n; i++)
        {
            Tensor x = c.Input(2 + i), g = c.Input(2 + n + i), v = c.Input(2 + 2 * n + i), h = c.Input(2 + 3 * n + i);
            var regularized = x * norm + g;
            var first = v * alpha + regularized * (1 - alpha);
            var second = h * beta + regularized * regularized * (1 - beta);
            outputs[i] = (x - first * adjustedRate / (second.Sqrt() + eps)) * (1 - normPost);
            outputs[n + i] = first;
            outputs[2 * n + i] = second;
        }
        return outputs;
    }
}
