using System.Text.Json;
using Backprop.NN;

namespace Backprop.Tests.NN;

/// <summary>
/// Names of nested models against PyTorch's state_dict for the same structure (fixture written by
/// tools/fixtures/state_dict_names.py), and the containers' own behaviour.
/// </summary>
public class StateDictNamesTests
{
    // The structure of tools/fixtures/state_dict_names.py, written as a user would.
    private sealed class Block : Module<Tensor, Tensor>
    {
        public Block(Generator g)
        {
            Norm = RegisterModule("norm", new BatchNorm1d(8));
            Proj = RegisterModule("proj", new Linear(8, 8, g));
        }

        public BatchNorm1d Norm { get; }
        public Linear Proj { get; }

        public override Tensor Forward(Tensor x) => ForwardChild(Proj, ForwardChild(Norm, x)).Relu();
    }

    private sealed class Net : Module<Tensor, Tensor>
    {
        public Net(Generator g)
        {
            Stem = RegisterModule("stem", new Conv2d(1, 4, 3, g));
            Layers = RegisterModule("layers", new ModuleList<Block>(new Block(g), new Block(g)));
            Heads = RegisterModule("heads", new ModuleDict<Linear> { { "query", new Linear(8, 4, g) }, { "value", new Linear(8, 2, g, bias: false) } });
            Mlp = RegisterModule("mlp", new Sequential(new Linear(8, 8, g), new ReLU(), new Dropout(0.1, g), new Linear(8, 3, g)));
            Scale = RegisterParameter("scale", Tensor.Ones(3));
        }

        public Conv2d Stem { get; }
        public ModuleList<Block> Layers { get; }
        public ModuleDict<Linear> Heads { get; }
        public Sequential Mlp { get; }
        public Tensor Scale { get; }

        public override Tensor Forward(Tensor x)
        {
            foreach (var block in Layers) x = ForwardChild(block, x);
            return ForwardChild(Mlp, x) * Scale + ForwardChild(Heads["query"], x).Sum(-1, keepDim: true);
        }
    }

    private static (string Name, int[] Shape)[] Fixture(out string[] parameters)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(RepositoryFiles.Path("tests/Backprop.Tests/NN/Fixtures/state_dict_names.json")));
        parameters = [.. doc.RootElement.GetProperty("parameters").EnumerateArray().Select(p => p.GetString()!)];
        return [.. doc.RootElement.GetProperty("entries").EnumerateArray().Select(e =>
            (e.GetProperty("name").GetString()!, e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray()))];
    }

    [Fact]
    public void Names_order_and_shapes_match_pytorch_state_dict()
    {
        var expected = Fixture(out var parameters);
        var model = new Net(new Generator(1));
        Assert.Equal(expected.Select(e => e.Name), model.StateDict().Select(e => e.Key));
        Assert.Equal(expected.Select(e => e.Shape), model.StateDict().Select(e => e.Value.Shape.ToArray()));
        Assert.Equal(parameters, model.NamedParameters().Select(e => e.Key));
    }

    [Fact]
    public void Load_state_dict_of_state_dict_round_trips()
    {
        var a = new Net(new Generator(1));
        var b = new Net(new Generator(2));
        var x = Tensor.Normal([6, 8], 0, 1, new Generator(3));
        a.Forward(x); // moves the running statistics too
        a.Eval();
        b.Eval();
        Assert.NotEqual(a.Forward(x).ToFloatArray(), b.Forward(x).ToFloatArray());
        var result = b.LoadStateDict(a.StateDict());
        Assert.True(result.IsComplete);
        Assert.Equal(a.Forward(x).ToFloatArray(), b.Forward(x).ToFloatArray());
        Assert.Equal(a.StateDict().Select(e => e.Value.ToDoubleArray()), b.StateDict().Select(e => e.Value.ToDoubleArray()));
    }

    [Fact]
    public void Non_strict_loading_reports_missing_and_unexpected_names_and_loads_the_rest()
    {
        var source = new Net(new Generator(1));
        var target = new Net(new Generator(2));
        var state = source.StateDict().Where(e => !e.Key.StartsWith("heads.", StringComparison.Ordinal))
            .Append(new("extra.weight", Tensor.Zeros(2))).Append(new("layers.2.proj.bias", Tensor.Zeros(8)));
        var before = target.Heads["query"].Weight.ToFloatArray();
        var result = target.LoadStateDict(state, strict: false);
        Assert.Equal(["heads.query.weight", "heads.query.bias", "heads.value.weight"], result.MissingKeys);
        Assert.Equal(["extra.weight", "layers.2.proj.bias"], result.UnexpectedKeys);
        Assert.False(result.IsComplete);
        Assert.Equal(before, target.Heads["query"].Weight.ToFloatArray()); // missing entries keep their values
        Assert.Equal(source.Stem.Weight.ToFloatArray(), target.Stem.Weight.ToFloatArray());

        // Strict, the same state is refused before anything is copied.
        var fresh = new Net(new Generator(2));
        var stem = fresh.Stem.Weight.ToFloatArray();
        var e = Assert.Throws<ArgumentException>(() => fresh.LoadStateDict(state));
        Assert.Equal("state dict: missing entry heads.query.weight (the model expects shape [4, 8])", e.Message);
        Assert.Equal(stem, fresh.Stem.Weight.ToFloatArray());
    }

    [Fact]
    public void Mis_shaped_and_duplicate_entries_are_errors_even_when_not_strict()
    {
        var model = new Net(new Generator(1));
        var misShaped = model.StateDict().Select(e => e.Key == "layers.1.proj.weight" ? new KeyValuePair<string, Tensor>(e.Key, Tensor.Zeros(8, 9)) : e);
        var e = Assert.Throws<ArgumentException>(() => model.LoadStateDict(misShaped, strict: false));
        Assert.Equal("state dict: layers.1.proj.weight has shape [8, 9], the model expects [8, 8]", e.Message);
        var twice = model.StateDict().Append(new("stem.bias", Tensor.Zeros(4)));
        e = Assert.Throws<ArgumentException>(() => model.LoadStateDict(twice, strict: false));
        Assert.Equal("state dict: the entry stem.bias is given twice", e.Message);
    }

    [Fact]
    public void Module_list_indexes_counts_enumerates_and_names_by_position()
    {
        var g = new Generator(1);
        var list = new ModuleList<Linear>();
        Assert.Empty(list);
        list.Add(new Linear(2, 3, g)).Add(new Linear(3, 4, g));
        Assert.Equal(2, list.Count);
        Assert.Equal(3, list[0].OutFeatures);
        Assert.Same(list[1], list[-1]);
        Assert.Equal([3, 4], list.Select(l => l.OutFeatures));
        Assert.Equal(["0.weight", "0.bias", "1.weight", "1.bias"], list.StateDict().Select(e => e.Key));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => list[2]);
        Assert.Contains("index 2 is outside a list of 2", e.Message);
        var untyped = new ModuleList(new ReLU(), new Linear(1, 1, g));
        Assert.IsType<ReLU>(untyped[0]);
        Assert.Equal("ModuleList(\n  (0): ReLU\n  (1): Linear(1 → 1)\n)", untyped.ToString());
    }

    [Fact]
    public void Module_dict_keeps_insertion_order_and_refuses_bad_or_repeated_keys()
    {
        var g = new Generator(1);
        var heads = new ModuleDict<Linear> { { "value", new Linear(2, 1, g) }, { "key", new Linear(2, 3, g) } };
        Assert.Equal(["value", "key"], heads.Keys);
        Assert.Equal(["value.weight", "value.bias", "key.weight", "key.bias"], heads.StateDict().Select(e => e.Key));
        Assert.Equal(3, heads["key"].OutFeatures);
        Assert.True(heads.ContainsKey("value"));
        Assert.True(heads.TryGetValue("key", out var k) && k.OutFeatures == 3);
        Assert.Equal(2, heads.Count);
        Assert.Equal(["value", "key"], heads.Select(p => p.Key));
        var missing = Assert.Throws<KeyNotFoundException>(() => heads["query"]);
        Assert.Equal("ModuleDict: no module named 'query'; it has value, key", missing.Message);
        Assert.Throws<ArgumentException>(() => heads.Add("key", new Linear(1, 1, g)));
        Assert.Throws<ArgumentException>(() => heads.Add("a.b", new Linear(1, 1, g)));
        Assert.Equal(2, heads.Count); // a refused key adds nothing
    }

    [Fact]
    public void Anomaly_mode_names_a_module_reached_through_a_list()
    {
        var model = new Net(new Generator(1));
        model.Layers[1].Proj.Weight.Fill(double.NaN); // every output of layers.1.proj is NaN
        using var anomaly = global::Backprop.Autograd.DetectAnomaly();
        var e = Assert.Throws<AnomalyException>(() => model.Forward(Tensor.Ones(4, 8)));
        Assert.Contains("layers.1.proj", e.Message);
    }
}
