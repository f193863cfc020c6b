using Backprop.NN;
using Backprop.Optim;
using Backprop.Serialization;

namespace Backprop.ExtensionTests;

// Generator.Default is process-wide: tests that seed it run alone, after the others.
[CollectionDefinition(nameof(DefaultGeneratorUsers), DisableParallelization = true)]
public sealed class DefaultGeneratorUsers;

/// <summary>
/// A model written as a user writes one, from outside the library: layers without explicit generators, a ModuleList of
/// two-input blocks, a custom function inside, parameter groups, one-line save and load.
/// </summary>
[Collection(nameof(DefaultGeneratorUsers))]
public sealed class UserModelTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("backprop-usermodel-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>x + gate ⊙ smooth_abs(W·x): a residual block taking the features and a gate.</summary>
    private sealed class GatedBlock : Module<Tensor, Tensor, Tensor>
    {
        private readonly Linear _proj;
        private readonly SmoothAbs _activation = new(0.05);

        public GatedBlock(int width) => _proj = RegisterModule("proj", new Linear(width, width));

        public override Tensor Forward(Tensor x, Tensor gate) => x + gate * _activation.Apply(ForwardChild(_proj, x));
    }

    private sealed class Model : Module<Tensor, Tensor, Tensor>
    {
        public Model(int width, int depth)
        {
            Blocks = RegisterModule("blocks", new ModuleList<GatedBlock>(Enumerable.Range(0, depth).Select(_ => new GatedBlock(width))));
            Head = RegisterModule("head", new Linear(width, 1));
        }

        public ModuleList<GatedBlock> Blocks { get; }
        public Linear Head { get; }

        public override Tensor Forward(Tensor x, Tensor gate)
        {
            foreach (var block in Blocks) x = ForwardChild(block, x, gate);
            return ForwardChild(Head, x);
        }
    }

    [Fact]
    public void Seeded_construction_trains_saves_and_loads_through_the_public_api()
    {
        Generator.ManualSeed(2024);
        var model = new Model(width: 4, depth: 2);
        Generator.ManualSeed(2024);
        var same = new Model(width: 4, depth: 2);
        Assert.Equal(model.StateDict().Select(e => e.Value.ToFloatArray()), same.StateDict().Select(e => e.Value.ToFloatArray()));
        Assert.Equal(["blocks.0.proj.weight", "blocks.0.proj.bias", "blocks.1.proj.weight", "blocks.1.proj.bias", "head.weight", "head.bias"],
            model.StateDict().Select(e => e.Key));

        var weights = model.NamedParameters().Where(e => e.Key.EndsWith("weight", StringComparison.Ordinal)).Select(e => e.Value);
        var biases = model.NamedParameters().Where(e => e.Key.EndsWith("bias", StringComparison.Ordinal)).Select(e => e.Value);
        var opt = new AdamW([new ParameterGroup(weights) { WeightDecay = 0.1 }, new ParameterGroup(biases) { WeightDecay = 0 }], learningRate: 0.01);
        var x = Tensor.Randn([16, 4]);
        var gate = Tensor.Rand([16, 1]);
        var y = x.Sum(-1, keepDim: true).Abs();
        double first = 0, last = 0;
        for (int step = 0; step < 60; step++)
        {
            opt.ZeroGrad();
            var loss = (model.Forward(x, gate) - y).Square().Mean();
            loss.Backward();
            opt.Step();
            last = loss.Item();
            if (step == 0) first = last;
        }
        Assert.True(last < first, $"loss {first} → {last}");

        string path = Path.Combine(_dir, "model.safetensors");
        model.Save(path);
        Assert.True(same.Load(path).IsComplete);
        Assert.Equal(model.Forward(x, gate).ToFloatArray(), same.Forward(x, gate).ToFloatArray());
        var other = new Model(width: 4, depth: 2);
        other.LoadStateDict(model.StateDict());
        Assert.Equal(model.Forward(x, gate).ToFloatArray(), other.Forward(x, gate).ToFloatArray());
    }
}
