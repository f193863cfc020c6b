using Backprop.NN;
using Backprop.Serialization;

namespace Backprop.Tests.Serialization;

/// <summary><c>model.Save(path)</c> and <c>model.Load(path)</c>: any module, one line each, with clear errors.</summary>
public sealed class ModuleFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("backprop-modulefile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // A user's own module with a nested container and a buffer, not a Sequential built from a spec.
    private sealed class TwoTower : Module<Tensor, Tensor, Tensor>
    {
        public TwoTower(Generator g, int hidden = 4)
        {
            Towers = RegisterModule("towers", new ModuleDict<Sequential>
            {
                { "left", new Sequential(new Linear(3, hidden, g), new BatchNorm1d(hidden)) },
                { "right", new Sequential(new Linear(2, hidden, g, dtype: DType.Float64)) },
            });
        }

        public ModuleDict<Sequential> Towers { get; }

        public override Tensor Forward(Tensor left, Tensor right) =>
            ForwardChild(Towers["left"], left) + ForwardChild(Towers["right"], right.To(DType.Float64)).To(DType.Float32);
    }

    [Fact]
    public void Save_then_load_restores_every_parameter_and_buffer_bit_for_bit()
    {
        var a = new TwoTower(new Generator(1));
        a.Forward(Tensor.Normal([5, 3], 0, 1, new Generator(2)), Tensor.Normal([5, 2], 0, 1, new Generator(3))); // running statistics move
        string path = Path.Combine(_dir, "two_tower.safetensors");
        a.Save(path);
        var b = new TwoTower(new Generator(9));
        Assert.True(b.Load(path).IsComplete);
        Assert.Equal(a.StateDict().Select(e => e.Key), b.StateDict().Select(e => e.Key));
        foreach (var ((_, x), (_, y)) in a.StateDict().Zip(b.StateDict()))
        {
            Assert.Equal(x.DType, y.DType);
            Assert.Equal(x.ToDoubleArray(), y.ToDoubleArray());
        }
        // The file is plain safetensors with PyTorch's names and dtypes (the int64 step counter as PyTorch stores it).
        var file = SafeTensorsFile.Read(path);
        Assert.Equal(SafeTensorsDType.I64, file["towers.left.1.num_batches_tracked"].DType);
        Assert.Equal(SafeTensorsDType.F64, file["towers.right.0.weight"].DType);
        Assert.Equal(1, file["towers.left.1.num_batches_tracked"].ToInt64Array()[0]);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp-*")); // written through a temporary file, renamed into place
    }

    [Fact]
    public void Load_names_the_entry_and_the_file_and_leaves_the_model_unchanged()
    {
        string path = Path.Combine(_dir, "small.safetensors");
        new TwoTower(new Generator(1), hidden: 4).Save(path);

        var wider = new TwoTower(new Generator(2), hidden: 5);
        var before = wider.StateDict().Select(e => e.Value.ToDoubleArray()).ToList();
        var e = Assert.Throws<ArgumentException>(() => wider.Load(path));
        Assert.Equal($"'{path}': towers.left.0.weight has shape [4, 3], the model expects [5, 3]", e.Message);
        Assert.Equal(before, wider.StateDict().Select(x => x.Value.ToDoubleArray()));

        var other = new Sequential(new Linear(3, 4, new Generator(3)));
        e = Assert.Throws<ArgumentException>(() => other.Load(path));
        Assert.Equal($"'{path}': missing entry 0.weight (the model expects shape [4, 3])", e.Message);

        // Not strict: what matches loads, the rest is reported.
        var partial = new Sequential(new Linear(3, 4, new Generator(3)));
        var saved = new Sequential(new Linear(3, 4, new Generator(4)), new Linear(4, 1, new Generator(5)));
        string twoLayers = Path.Combine(_dir, "two.safetensors");
        saved.Save(twoLayers);
        e = Assert.Throws<ArgumentException>(() => partial.Load(twoLayers));
        Assert.StartsWith($"'{twoLayers}': unexpected entry 1.bias", e.Message); // the file keeps entries sorted by name
        var result = partial.Load(twoLayers, strict: false);
        Assert.Equal(["1.bias", "1.weight"], result.UnexpectedKeys);
        Assert.Empty(result.MissingKeys);
        Assert.Equal(((Linear)saved[0]).Weight.ToFloatArray(), ((Linear)partial[0]).Weight.ToFloatArray());
    }

    [Fact]
    public void Load_of_a_file_that_is_not_safetensors_is_a_format_error_naming_it()
    {
        string path = Path.Combine(_dir, "notes.txt");
        File.WriteAllText(path, "not a model");
        var e = Assert.Throws<SafeTensorsFormatException>(() => new Linear(1, 1, new Generator(1)).Load(path));
        Assert.StartsWith(path, e.Message);
    }
}
