using System.Text.Json;
using Backprop.NN;
using Backprop.Optim;

namespace Backprop.Tests.Optim;

/// <summary>
/// Parameter groups: per-group learning rate and weight decay, compared with PyTorch 1.13's AdamW (fixture written by
/// tools/fixtures/adamw_groups.py), and carried through GetState/LoadState for a bit-identical resume.
/// </summary>
public class ParameterGroupTests
{
    private sealed record AdamWFixture(double BaseLr, double[] X, double[] Y, double[] W0, double[] B0,
        (double Factor, double Loss, double[] W, double[] B)[] Steps);

    private static AdamWFixture ReadFixture()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(RepositoryFiles.Path("tests/Backprop.Tests/Optim/Fixtures/adamw_groups.json")));
        var r = doc.RootElement;
        double[] Numbers(JsonElement e) => [.. e.EnumerateArray().Select(v => v.GetDouble())];
        return new AdamWFixture(r.GetProperty("base_lr").GetDouble(), Numbers(r.GetProperty("x")), Numbers(r.GetProperty("y")),
            Numbers(r.GetProperty("w0")), Numbers(r.GetProperty("b0")),
            [.. r.GetProperty("steps").EnumerateArray().Select(s => (s.GetProperty("factor").GetDouble(), s.GetProperty("loss").GetDouble(),
                Numbers(s.GetProperty("w")), Numbers(s.GetProperty("b"))))]);
    }

    private static Tensor Leaf(double[] values, params int[] shape)
    {
        var t = Tensor.FromArray(values, shape);
        t.RequiresGrad = true;
        return t;
    }

    [Fact]
    public void AdamW_with_decay_groups_and_a_schedule_matches_pytorch()
    {
        var f = ReadFixture();
        var x = Tensor.FromArray(f.X, 5, 3);
        var y = Tensor.FromArray(f.Y, 5, 2);
        var w = Leaf(f.W0, 2, 3);
        var b = Leaf(f.B0, 2);
        var opt = new AdamW([new ParameterGroup([w]) { WeightDecay = 0.1 }, new ParameterGroup([b]) { WeightDecay = 0, LearningRate = 0.2 }],
            learningRate: f.BaseLr, beta1: 0.9, beta2: 0.99, eps: 1e-8);
        foreach (var step in f.Steps)
        {
            opt.LearningRate = f.BaseLr * step.Factor; // what a schedule does; the bias group keeps its 4× ratio
            opt.ZeroGrad();
            var loss = (x.MatMul(w.Transpose(0, 1)) + b - y).Pow(2).Mean();
            Assert.Equal(step.Loss, loss.Item(), 1e-12);
            loss.Backward();
            opt.Step();
            AssertClose(step.W, w.ToDoubleArray());
            AssertClose(step.B, b.ToDoubleArray());
        }
        Assert.Equal(0.2 * f.Steps[^1].Factor, opt.GroupLearningRate(1), 1e-15);
        Assert.Equal(0.1, opt.GroupWeightDecay(0));
        Assert.Equal(0, opt.GroupWeightDecay(1));

        static void AssertClose(double[] expected, double[] actual)
        {
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-12);
        }
    }

    [Fact]
    public void One_group_equals_the_flat_constructor_bit_for_bit()
    {
        var (flatModel, groupModel) = (Model(1), Model(1));
        var flat = new AdamW(flatModel.Parameters(), 0.01, weightDecay: 0.05);
        var grouped = new AdamW([new ParameterGroup(groupModel.Parameters())], 0.01, weightDecay: 0.05);
        for (int i = 0; i < 4; i++)
        {
            Train(flatModel, flat, i);
            Train(groupModel, grouped, i);
        }
        Assert.Equal(Weights(flatModel), Weights(groupModel));
    }

    [Fact]
    public void A_group_without_decay_is_not_decayed_and_its_neighbours_are()
    {
        // Hand derivation: with zero gradients Adam's moments stay 0 and its step is 0, so only the decoupled decay
        // moves a parameter: p ← p·(1 − lr·wd).
        var decayed = Leaf([2.0], 1);
        var kept = Leaf([2.0], 1);
        var opt = new AdamW([new ParameterGroup([decayed]) { WeightDecay = 0.5 }, new ParameterGroup([kept]) { WeightDecay = 0 }], learningRate: 0.1);
        decayed.Grad = Tensor.Zeros([1], DType.Float64);
        kept.Grad = Tensor.Zeros([1], DType.Float64);
        opt.Step();
        Assert.Equal(2.0 * (1 - 0.1 * 0.5), decayed[0]);
        Assert.Equal(2.0, kept[0]);
    }

    [Fact]
    public void Resume_from_saved_state_is_bit_identical_to_an_uninterrupted_run()
    {
        const int k = 3, total = 7;
        var schedule = new CosineAnnealingSchedule(0.02, total);
        var straight = Model(4);
        var straightOpt = Optimizer(straight);
        for (int i = 0; i < total; i++) { schedule.Apply(straightOpt, i); Train(straight, straightOpt, i); }

        var first = Model(4);
        var firstOpt = Optimizer(first);
        for (int i = 0; i < k; i++) { schedule.Apply(firstOpt, i); Train(first, firstOpt, i); }
        var savedModel = first.StateDict().Select(e => new KeyValuePair<string, Tensor>(e.Key, e.Value.Clone())).ToList();
        var savedState = firstOpt.GetState().ToDictionary(e => e.Key, e => e.Value.Clone());

        // A fresh process: another initialisation, another optimizer built differently (its settings come from the state).
        var resumed = Model(99);
        resumed.LoadStateDict(savedModel);
        var resumedOpt = Optimizer(resumed, decay: 0.3, learningRate: 0.5);
        resumedOpt.LoadState(savedState);
        Assert.Equal(k, resumedOpt.StepCount);
        Assert.Equal(0.1, resumedOpt.GroupWeightDecay(0));
        for (int i = k; i < total; i++) { schedule.Apply(resumedOpt, i); Train(resumed, resumedOpt, i); }
        Assert.Equal(Weights(straight), Weights(resumed));
        Assert.Equal(straightOpt.GetState().Select(e => e.Value.ToDoubleArray()), resumedOpt.GetState().Select(e => e.Value.ToDoubleArray()));
    }

    [Fact]
    public void A_checkpoint_carries_the_groups_settings_and_resumes_bit_identically()
    {
        // The checkpoint saves GetState() generically (int32 indices as I64, as PyTorch stores integers); what it gives
        // back must restore the groups and continue exactly as the optimizer that was saved.
        using var dir = new Backprop.Tests.Data.ScratchDirectory();
        string path = dir.File("groups.safetensors");
        var model = ModelSpec.Parse("mlp:8").Build([4], 3, new Generator(4));
        var opt = new AdamW([new ParameterGroup(Decay(model)) { WeightDecay = 0.1 }, new ParameterGroup(NoDecay(model)) { WeightDecay = 0, LearningRate = 0.03 }],
            learningRate: 0.01, beta1: 0.9, beta2: 0.99);
        var x = Tensor.Normal([6, 4], 0, 1, new Generator(5));
        int[] labels = [0, 1, 2, 0, 1, 2];
        void Step(Sequential m, Optimizer o)
        {
            o.ZeroGrad();
            Losses.CrossEntropy(m.Forward(x), labels).Backward();
            o.Step();
        }
        Step(model, opt);
        opt.LearningRate = 0.005;
        Backprop.Serialization.Checkpoint.Save(path, model, new Backprop.Serialization.CheckpointMetadata { ModelSpec = "mlp:8", InputShape = [4], NumClasses = 3 }, opt);

        var loaded = Backprop.Serialization.Checkpoint.Load(path);
        var resumed = loaded.Model;
        resumed.Train();
        var resumedOpt = new AdamW([new ParameterGroup(Decay(resumed)), new ParameterGroup(NoDecay(resumed))], learningRate: 1, beta1: 0.9, beta2: 0.99);
        loaded.RestoreOptimizer(resumedOpt);
        Assert.Equal(0.005, resumedOpt.LearningRate);
        Assert.Equal([0.1, 0.0], [resumedOpt.GroupWeightDecay(0), resumedOpt.GroupWeightDecay(1)]);
        Assert.Equal(opt.GroupLearningRate(1), resumedOpt.GroupLearningRate(1));
        Step(model, opt);
        Step(resumed, resumedOpt);
        Assert.Equal(Weights(model), Weights(resumed));
    }

    [Fact]
    public void State_with_other_groups_is_refused_naming_the_entry()
    {
        var model = Model(1);
        var state = Optimizer(model).GetState().ToDictionary(e => e.Key, e => e.Value.Clone());
        var oneGroup = new AdamW(model.Parameters(), 0.01);
        var e = Assert.Throws<ArgumentException>(() => oneGroup.LoadState(state));
        Assert.StartsWith("optimizer state: param_groups.0.params has shape [2], AdamW expects [4]", e.Message);
        // Parameters are numbered across the groups in order, as PyTorch numbers them: groups given in another order
        // put other shapes at the same numbers.
        var swapped = new AdamW([new ParameterGroup(NoDecay(model)), new ParameterGroup(Decay(model))], 0.01);
        e = Assert.Throws<ArgumentException>(() => swapped.LoadState(state));
        Assert.Equal("optimizer state: state.0.exp_avg has shape [3, 3], AdamW expects [3]", e.Message);
    }

    [Fact]
    public void State_saved_before_groups_existed_still_loads()
    {
        var model = Model(1);
        var opt = new Sgd(model.Parameters(), 0.1, momentum: 0.9, weightDecay: 0.01);
        Train(model, opt, 0);
        var legacy = opt.GetState().Where(e => e.Key == "step" || e.Key.StartsWith("state.", StringComparison.Ordinal))
            .ToDictionary(e => e.Key, e => e.Value.Clone());
        var fresh = new Sgd(model.Parameters(), 0.1, momentum: 0.9, weightDecay: 0.01);
        fresh.LoadState(legacy);
        Assert.Equal(1, fresh.StepCount);
        Assert.Equal(0.01, fresh.GroupWeightDecay(0));
    }

    [Fact]
    public void A_parameter_in_two_groups_and_bad_settings_are_refused()
    {
        var model = Model(1);
        var p = model.Parameters();
        var e = Assert.Throws<ArgumentException>(() => new Sgd([new ParameterGroup(p), new ParameterGroup([p[1]])], 0.1));
        Assert.Equal("Sgd: parameter [3] float64 is in group 0 and again in group 1; each parameter belongs to one group", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam([new ParameterGroup(p) { WeightDecay = -1 }]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam([new ParameterGroup(p) { LearningRate = double.NaN }]));
        e = Assert.Throws<ArgumentException>(() => new Adam([new ParameterGroup(p) { LearningRate = 0.1 }], learningRate: 0));
        Assert.Contains("group 0 has learning rate 0.1, but the optimizer's is 0", e.Message);
    }

    [Fact]
    public void Sgd_groups_have_their_own_rate_and_decay()
    {
        // Hand derivation of one plain SGD step: p ← p − lr·(g + wd·p).
        var a = Leaf([1.0], 1);
        var b = Leaf([1.0], 1);
        var opt = new Sgd([new ParameterGroup([a]), new ParameterGroup([b]) { LearningRate = 0.5, WeightDecay = 0.2 }], 0.1);
        a.Grad = Tensor.Full([1], 2.0, DType.Float64);
        b.Grad = Tensor.Full([1], 2.0, DType.Float64);
        opt.Step();
        Assert.Equal(1.0 - 0.1 * 2.0, a[0], 15);
        Assert.Equal(1.0 - 0.5 * (2.0 + 0.2 * 1.0), b[0], 15);
        opt.LearningRate = 0.05; // halves every group's rate
        Assert.Equal(0.25, opt.GroupLearningRate(1), 15);
    }

    // Two linear layers in float64; weights decayed, biases not (as GPT.md's recipe splits matrices from the rest).
    private static Sequential Model(ulong seed) =>
        new(new Linear(3, 3, new Generator(seed), dtype: DType.Float64), new Tanh(), new Linear(3, 1, new Generator(seed + 1), dtype: DType.Float64));

    private static IEnumerable<Tensor> Decay(Module m) => m.NamedParameters().Where(e => e.Key.EndsWith("weight", StringComparison.Ordinal)).Select(e => e.Value);

    private static IEnumerable<Tensor> NoDecay(Module m) => m.NamedParameters().Where(e => !e.Key.EndsWith("weight", StringComparison.Ordinal)).Select(e => e.Value);

    private static AdamW Optimizer(Module m, double decay = 0.1, double learningRate = 0.02) =>
        new([new ParameterGroup(Decay(m)) { WeightDecay = decay }, new ParameterGroup(NoDecay(m)) { WeightDecay = 0, LearningRate = 2 * learningRate }],
            learningRate, beta1: 0.9, beta2: 0.99);

    private static void Train(Sequential model, Optimizer opt, int step)
    {
        var x = Tensor.Normal([8, 3], 0, 1, new Generator(1000 + (ulong)step), DType.Float64);
        opt.ZeroGrad();
        model.Forward(x).Pow(2).Mean().Backward();
        opt.Step();
    }

    private static List<double[]> Weights(Module m) => [.. m.StateDict().Select(e => e.Value.ToDoubleArray())];
}
