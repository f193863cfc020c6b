using Backprop.NN;

namespace Backprop.Tests.NN;

/// <summary>
/// Double backward end to end through the layers: the Hessian-vector product of a small network's loss in all its
/// parameters and its input, by Autograd.Grad(createGraph: true) differentiated again, against central differences of
/// the ordinary gradient along the same direction — through convolutions, batch norm in training and evaluation mode,
/// the three poolings, dropout, embedding, layer norm, multi-head attention and the losses' weights, ignored labels
/// and smoothing, in float64.
/// </summary>
public class LayerDoubleBackwardTests
{
    private const DType F64 = DType.Float64;

    [Fact]
    public void AConvolutionalNetwork()
    {
        var g = new Generator(11);
        var conv = new Conv2d(2, 3, 3, g, padding: 1, dtype: F64);
        var norm = new BatchNorm2d(3, dtype: F64);
        var head = new Linear(3, 4, g, dtype: F64);
        var x = Tensor.Normal([2, 2, 6, 6], 0, 1, g, F64);
        var weight = Tensor.FromArray(new[] { 0.5, 1.5, 1, 2 }, 4);
        Tensor Loss()
        {
            var y = norm.Forward(conv.Forward(x)).Tanh();
            var pooled = Tensor.AdaptiveAvgPool2d(Tensor.AvgPool2d(Tensor.MaxPool2d(y, 2), 3, 1, 1), 1).Flatten(1);
            return head.Forward(pooled).CrossEntropy([3, -100], 0.1, weight: weight);
        }
        CheckHessianVectorProduct(Loss, [.. conv.Parameters(), .. norm.Parameters(), .. head.Parameters(), x]);
    }

    [Fact]
    public void BatchNormInEvaluationModeConv1dAndDropout()
    {
        var g = new Generator(12);
        var conv = new Conv1d(2, 3, 3, g, stride: 2, padding: 1, dtype: F64);
        var norm = new BatchNorm1d(3, dtype: F64);
        var x = Tensor.Normal([4, 2, 7], 0, 1, g, F64);
        var target = Tensor.Normal([4, 3, 4], 0, 1, g, F64);
        using (Backprop.Autograd.NoGrad()) norm.Forward(conv.Forward(x) * 2.0 + 0.5); // running statistics that are not the batch's
        norm.Eval();
        Tensor Loss()
        {
            // A dropout layer seeded alike every time, so each evaluation draws the same mask.
            var dropped = new Dropout(0.3, new Generator(13)).Forward(norm.Forward(conv.Forward(x)));
            return dropped.Sigmoid().MseLoss(target);
        }
        CheckHessianVectorProduct(Loss, [.. conv.Parameters(), .. norm.Parameters(), x]);
    }

    [Fact]
    public void ATransformerBlock()
    {
        var g = new Generator(14);
        var embedding = new Embedding(7, 4, g, F64);
        var norm1 = new LayerNorm(4, dtype: F64);
        var attention = new MultiheadAttention(4, 2, generator: g, isCausal: true, dtype: F64);
        var norm2 = new LayerNorm(4, dtype: F64);
        var head = new Linear(4, 7, g, dtype: F64);
        var tokens = Tensor.FromArray(new[] { 1, 5, 5, 0, 6, 2, 3, 1 }, 2, 4);
        var labels = Tensor.FromArray(new[] { 5, 5, 0, -100, 2, 3, 1, 4 }, 2, 4);
        Tensor Loss()
        {
            var h = embedding.Forward(tokens);
            var n = norm1.Forward(h);
            h = h + attention.Forward(n, n, n);
            var logits = head.Forward(norm2.Forward(h).Gelu());
            return logits.CrossEntropy(labels, 0.05, weight: Tensor.FromArray(new[] { 1, 0.5, 2, 1, 1.5, 0.8, 1.2 }, 7));
        }
        CheckHessianVectorProduct(Loss, [.. embedding.Parameters(), .. norm1.Parameters(), .. attention.Parameters(), .. norm2.Parameters(), .. head.Parameters()]);
    }

    // H·v through the recorded backward against (∇L(θ + εv) − ∇L(θ − εv)) / 2ε of the ordinary one, for one random v.
    private static void CheckHessianVectorProduct(Func<Tensor> loss, Tensor[] parameters)
    {
        foreach (var p in parameters) p.RequiresGrad = true;
        var random = new Generator(20261202);
        var v = parameters.Select(p => Tensor.Uniform(p.ShapeArray, -1, 1, random, F64)).ToArray();
        var gradient = Backprop.Autograd.Grad(loss(), parameters, createGraph: true);
        Tensor? contracted = null;
        for (int i = 0; i < parameters.Length; i++)
        {
            var term = (gradient[i]! * v[i]).Sum();
            contracted = contracted is null ? term : contracted + term;
        }
        var hvp = Backprop.Autograd.Grad(contracted!, parameters, allowUnused: true);

        const double eps = 1e-5;
        var original = parameters.Select(p => p.ToDoubleArray()).ToArray();
        double[][] Shifted(double by)
        {
            for (int i = 0; i < parameters.Length; i++)
            {
                var shifted = original[i].Zip(v[i].ToDoubleArray(), (a, d) => a + by * d).ToArray();
                parameters[i].CopyFrom(Tensor.FromArray(shifted, parameters[i].ShapeArray));
            }
            return Backprop.Autograd.Grad(loss(), parameters).Select(t => t!.ToDoubleArray()).ToArray();
        }
        var plus = Shifted(eps);
        var minus = Shifted(-eps);
        for (int i = 0; i < parameters.Length; i++) parameters[i].CopyFrom(Tensor.FromArray(original[i], parameters[i].ShapeArray));

        for (int i = 0; i < parameters.Length; i++)
        {
            var analytic = hvp[i]?.ToDoubleArray() ?? new double[parameters[i].Numel];
            for (int j = 0; j < analytic.Length; j++)
            {
                double numeric = (plus[i][j] - minus[i][j]) / (2 * eps);
                Assert.True(Math.Abs(analytic[j] - numeric) <= 1e-6 + 1e-4 * Math.Abs(numeric),
                    $"parameter {i} {Shapes.Format(parameters[i].ShapeArray)} element {j}: H·v {analytic[j]:R}, central difference {numeric:R}");
            }
        }
        Assert.Contains(hvp, h => h is not null && h.ToDoubleArray().Any(value => Math.Abs(value) > 1e-3));
    }
}
