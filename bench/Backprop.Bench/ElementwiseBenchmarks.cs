using BenchmarkDotNet.Attributes;

namespace Backprop.Bench;

/// <summary>
/// The element-wise, broadcast, reduction and softmax kernels at training-sized shapes (batch 64 × 256), the fused
/// local gradients of tanh and sigmoid (forward and backward through a leaf), one large activation
/// (1024 × 1024, split over cores), and GELU at the size of the GPT benchmark's MLP activations (768 × 512 floats),
/// forward (exact and tanh; erf, SiLU and tanh at the same size for scale) and backward, and the two passes of the fused
/// linear_gelu (value and slope together; the backward's product with the slope); and the optimizer's share of a
/// GPT step over the benchmark's 27 parameters (806,400 floats, decayed matrices and undecayed norms): gradient clipping
/// to a global norm, the AdamW step and zeroing the gradients.
/// </summary>
[MemoryDiagnoser]
public class ElementwiseBenchmarks
{
    private Tensor _a = null!, _b = null!, _row = null!, _transposed = null!, _leaf = null!, _ones = null!, _large = null!;
    private Tensor _mlp = null!, _mlpLeaf = null!, _mlpOnes = null!;
    private float[] _mlpWork = null!, _mlpSlope = null!, _mlpGrad = null!;
    private Tensor[] _gptParameters = null!;
    private Optim.AdamW _adamW = null!;

    [GlobalSetup]
    public void Setup()
    {
        var gen = new Generator(1);
        _a = Tensor.Randn([64, 256], gen);
        _b = Tensor.Randn([64, 256], gen);
        _row = Tensor.Randn([256], gen);
        _transposed = Tensor.Randn([256, 64], gen).T;
        _leaf = Tensor.Randn([64, 256], gen);
        _leaf.RequiresGrad = true;
        _ones = Tensor.Ones(64, 256);
        _large = Tensor.Randn([1024, 1024], gen);
        _mlp = Tensor.Randn([768, 512], gen);
        _mlpLeaf = Tensor.Randn([768, 512], gen);
        _mlpLeaf.RequiresGrad = true;
        _mlpOnes = Tensor.Ones(768, 512);
        _mlpWork = _mlp.ToArray<float>();
        _mlpSlope = new float[_mlpWork.Length];
        _mlpGrad = _mlpLeaf.ToArray<float>();

        // gpt_char's parameters (bench GPT.md, section 3) with random gradients; two groups as the benchmark decays them.
        var shapes = new List<int[]> { new[] { 83, 128 }, new[] { 64, 128 } };
        for (int layer = 0; layer < 4; layer++)
            shapes.AddRange([[128], [384, 128], [128, 128], [128], [512, 128], [128, 512]]);
        shapes.Add([128]);
        _gptParameters = shapes.Select(shape =>
        {
            var p = (Tensor.Randn(shape, gen) * 0.02).Detach();
            p.RequiresGrad = true;
            p.Grad = Tensor.Randn(shape, gen);
            return p;
        }).ToArray();
        _adamW = new Optim.AdamW(
            [new Optim.ParameterGroup(_gptParameters.Where(p => p.Rank == 2)) { WeightDecay = 0.1 }, new Optim.ParameterGroup(_gptParameters.Where(p => p.Rank == 1)) { WeightDecay = 0 }],
            learningRate: 1e-3, beta1: 0.9, beta2: 0.99, eps: 1e-8);
    }

    [Benchmark] public Tensor AddSameShape() { using var _ = Autograd.NoGrad(); return _a + _b; }
    [Benchmark] public Tensor AddBroadcastRow() { using var _ = Autograd.NoGrad(); return _a + _row; }
    [Benchmark] public Tensor MulTransposed() { using var _ = Autograd.NoGrad(); return _a * _transposed; }
    [Benchmark] public Tensor Tanh() { using var _ = Autograd.NoGrad(); return _a.Tanh(); }
    [Benchmark] public Tensor Relu() { using var _ = Autograd.NoGrad(); return _a.Relu(); }
    [Benchmark] public Tensor SumAxis0() { using var _ = Autograd.NoGrad(); return _a.Sum(0); }
    [Benchmark] public Tensor MaxAxis1() { using var _ = Autograd.NoGrad(); return _a.Max(1); }
    [Benchmark] public Tensor Softmax() { using var _ = Autograd.NoGrad(); return _a.Softmax(); }
    [Benchmark] public Tensor TanhBackward() => Backward(_leaf.Tanh());
    [Benchmark] public Tensor SigmoidBackward() => Backward(_leaf.Sigmoid());
    [Benchmark] public Tensor ExpLarge() { using var _ = Autograd.NoGrad(); return _large.Exp(); }
    [Benchmark] public Tensor Contiguous() { using var _ = Autograd.NoGrad(); return _transposed.Contiguous(); }
    [Benchmark] public Tensor GeluForward768x512() { using var _ = Autograd.NoGrad(); return _mlp.Gelu(); }
    [Benchmark] public Tensor GeluTanhForward768x512() { using var _ = Autograd.NoGrad(); return _mlp.Gelu(GeluApproximation.Tanh); }
    [Benchmark] public Tensor GeluBackward768x512() => MlpBackward(_mlpLeaf.Gelu());
    // linear_gelu's two passes: the value and the slope together in place (the kernel is branch-free, so repeated
    // runs on the same buffer cost the same), and the backward's product with the saved slope.
    [Benchmark] public void GeluValueAndSlope768x512() => Kernels.ElementwiseKernel.MapWithSlope(new Kernels.GeluFunction(), _mlpWork.AsSpan(), _mlpSlope.AsSpan());
    [Benchmark] public void GeluSlopeBackward768x512() => Kernels.ElementwiseKernel.Gradient(new Kernels.SavedSlope(), _mlpGrad, _mlpSlope, _mlpWork.AsSpan());
    [Benchmark] public Tensor ErfForward768x512() { using var _ = Autograd.NoGrad(); return _mlp.Erf(); }
    [Benchmark] public Tensor SiluForward768x512() { using var _ = Autograd.NoGrad(); return _mlp.Silu(); }
    [Benchmark] public Tensor TanhForward768x512() { using var _ = Autograd.NoGrad(); return _mlp.Tanh(); }

    [Benchmark] public double GptClipGradients() => Optim.GradientClipping.ClipByGlobalNorm(_gptParameters, 1.0);
    [Benchmark] public void GptAdamWStep() => _adamW.Step();
    [Benchmark] public void GptZeroGrad() => _adamW.ZeroGrad();

    private Tensor MlpBackward(Tensor y)
    {
        _mlpLeaf.Grad = null;
        y.Backward(_mlpOnes);
        return _mlpLeaf.Grad!;
    }

    // The leaf's gradient is dropped first, so every run writes it anew instead of adding to the last run's.
    private Tensor Backward(Tensor y)
    {
        _leaf.Grad = null;
        y.Backward(_ones);
        return _leaf.Grad!;
    }
}
