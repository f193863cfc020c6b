using Backprop.NN;
using Backprop.Optim;
using Backprop.Serialization;
using Backprop.Tests.Data;

namespace Backprop.Tests.Serialization;

public class CheckpointTests
{
    private static CheckpointMetadata Metadata(string spec, int[] shape) => new()
    {
        ModelSpec = spec,
        InputShape = shape,
        NumClasses = 3,
        TrainingConfigJson = """{"lr": 0.05, "batch": 64}""",
        Epoch = 4,
        GeneratorState = new Generator(99).GetState(),
    };

    private static void TrainSteps(Module<Tensor, Tensor> model, Optimizer opt, Tensor x, int[] labels, int steps)
    {
        for (int i = 0; i < steps; i++)
        {
            opt.ZeroGrad();
            Losses.CrossEntropy(model.Forward(x), labels).Backward();
            opt.Step();
        }
    }

    [Fact]
    public void Round_trip_rebuilds_the_model_from_the_file_alone()
    {
        using var dir = new ScratchDirectory();
        string path = dir.File("model.safetensors");
        var model = ModelSpec.Parse("cnn+bn").Build([1, 8, 8], 3, new Generator(1));
        var opt = new Sgd(model.Parameters(), 0.05, momentum: 0.9);
        var x = Tensor.Normal([4, 1, 8, 8], 0, 1, new Generator(2));
        int[] labels = [0, 1, 2, 0];
        TrainSteps(model, opt, x, labels, 2);
        Checkpoint.Save(path, model, Metadata("cnn+bn", [1, 8, 8]), opt);

        var loaded = Checkpoint.Load(path);
        Assert.Equal("cnn+bn", loaded.Metadata.ModelSpec);
        Assert.Equal([1, 8, 8], loaded.Metadata.InputShape!);
        Assert.Equal(3, loaded.Metadata.NumClasses);
        Assert.Equal(4, loaded.Metadata.Epoch);
        Assert.Equal("""{"lr": 0.05, "batch": 64}""", loaded.Metadata.TrainingConfigJson);
        Assert.Equal(new Generator(99).GetState(), loaded.Metadata.GeneratorState);
        Assert.Equal("Sgd", loaded.Metadata.Optimizer);
        model.Eval();
        Assert.False(loaded.Model.IsTraining);
        Assert.Equal(model.Forward(x).ToFloatArray(), loaded.Model.Forward(x).ToFloatArray());
        Assert.Equal(model.StateDict().Select(e => e.Key), loaded.Model.StateDict().Select(e => e.Key));
    }

    [Fact]
    public void Resuming_with_optimizer_state_continues_exactly()
    {
        using var dir = new ScratchDirectory();
        string path = dir.File("resume.safetensors");
        var x = Tensor.Normal([6, 4], 0, 1, new Generator(3));
        int[] labels = [0, 1, 2, 2, 1, 0];
        var model = ModelSpec.Parse("mlp:8").Build([4], 3, new Generator(4));
        var opt = new Adam(model.Parameters(), 0.01);
        TrainSteps(model, opt, x, labels, 3);
        Checkpoint.Save(path, model, Metadata("mlp:8", [4]), opt);
        TrainSteps(model, opt, x, labels, 2);

        var loaded = Checkpoint.Load(path);
        loaded.Model.Train();
        var opt2 = new Adam(loaded.Model.Parameters(), 0.01);
        loaded.RestoreOptimizer(opt2);
        TrainSteps(loaded.Model, opt2, x, labels, 2);
        var a = model.Parameters();
        var b = loaded.Model.Parameters();
        for (int i = 0; i < a.Count; i++) Assert.Equal(a[i].ToFloatArray(), b[i].ToFloatArray());
        Assert.Throws<InvalidOperationException>(() => loaded.RestoreOptimizer(new Sgd(loaded.Model.Parameters(), 0.1)));
    }

    [Fact]
    public void Shape_mismatch_names_file_entry_and_shapes()
    {
        using var dir = new ScratchDirectory();
        string path = dir.File("x.safetensors");
        var small = ModelSpec.Parse("mlp:128").Build([64], 3, new Generator(1));
        Checkpoint.Save(path, small, Metadata("mlp:128", [64]));
        var big = ModelSpec.Parse("mlp:256").Build([64], 3, new Generator(1));
        var e = Assert.Throws<ArgumentException>(() => Checkpoint.LoadWeights(path, big));
        Assert.Equal("checkpoint 'x.safetensors': 0.weight has shape [128, 64], the model expects [256, 64]", e.Message);
    }

    [Fact]
    public void Files_without_checkpoint_metadata_are_rejected_clearly()
    {
        using var dir = new ScratchDirectory();
        string path = dir.File("plain.safetensors");
        SafeTensorsFile.Write(path, [SafeTensorsEntry.FromFloats("w", [1], [1f])]);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path));
        Assert.Contains("plain.safetensors", e.Message);
        Assert.Contains("format", e.Message);
    }

    [Fact]
    public void Entries_are_pytorch_named_with_optimizer_prefix()
    {
        using var dir = new ScratchDirectory();
        string path = dir.File("names.safetensors");
        var model = ModelSpec.Parse("mlp:4+bn").Build([2], 3, new Generator(1));
        Checkpoint.Save(path, model, Metadata("mlp:4+bn", [2]), new Sgd(model.Parameters(), 0.1, momentum: 0.9));
        var file = SafeTensorsFile.Read(path);
        var names = file.Entries.Select(e => e.Name).ToList();
        Assert.Contains("0.weight", names);
        Assert.Contains("1.running_var", names);
        Assert.Equal(SafeTensorsDType.I64, file["1.num_batches_tracked"].DType);
        Assert.Equal(SafeTensorsDType.F32, file["0.weight"].DType);
        Assert.Contains("optimizer.step", names);
        Assert.Contains("optimizer.state.0.momentum_buffer", names);
        Assert.Equal("mlp:4+bn", file.Metadata["model_spec"]);
    }
}
