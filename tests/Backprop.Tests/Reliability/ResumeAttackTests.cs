using System.Text.Json;
using System.Text.Json.Nodes;
using Backprop.Data;
using Backprop.NN;
using Backprop.Optim;
using Backprop.Serialization;
using Backprop.Tests.Data;
using Backprop.Training;

namespace Backprop.Tests.Reliability;

/// <summary>Resuming from a checkpoint whose recorded progress was tampered with: a clear error before training starts.</summary>
public class ResumeAttackTests
{
    private static readonly Dataset Train = Synthetic.Quadrants(128, 1);

    private static Trainer<(Tensor Features, Tensor Label)> NewTrainer(string output)
    {
        var model = ModelSpec.Parse("mlp:8").Build([2], 4, new Generator(1));
        return Trainer.Classifier(model, new Adam(model.Parameters(), 0.01), Train, null,
            new TrainerOptions { Epochs = 1, BatchSize = 32, Seed = 2, OutputDirectory = output, ModelSpec = "mlp:8" });
    }

    private static string TrainedCheckpoint(ScratchDirectory dir)
    {
        NewTrainer(dir.Path).Run();
        return Path.Combine(dir.Path, "model.safetensors");
    }

    private static void EditProgress(string path, Action<JsonObject> edit)
    {
        var file = SafeTensorsFile.Read(path);
        var metadata = new Dictionary<string, string>(file.Metadata);
        metadata.Remove(Checkpoint.ChecksumKey); // as a hostile file would; otherwise the edit reads as corruption
        var config = JsonNode.Parse(metadata["training_config"])!.AsObject();
        edit(config["progress"]!.AsObject());
        metadata["training_config"] = config.ToJsonString();
        File.WriteAllBytes(path, SafeTensorsFile.Serialize(file.Entries, metadata));
    }

    [Theory]
    [InlineData("batches_into_epoch", 1_000_000_000L, "batches into an epoch")]
    [InlineData("batches_into_epoch", -1L, "inconsistent")]
    [InlineData("epoch_samples", -5L, "inconsistent")]
    [InlineData("completed_epochs", 7L, "inconsistent")]
    public void Tampered_progress_is_refused_before_training(string key, long value, string expected)
    {
        using var dir = new ScratchDirectory();
        string path = TrainedCheckpoint(dir);
        EditProgress(path, progress => progress[key] = value);
        using var other = new ScratchDirectory();
        var error = Assert.Throws<InvalidDataException>(() => NewTrainer(other.Path).Resume(path));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Progress_of_the_wrong_type_is_refused()
    {
        using var dir = new ScratchDirectory();
        string path = TrainedCheckpoint(dir);
        EditProgress(path, progress => progress["history"] = "none");
        using var other = new ScratchDirectory();
        Assert.Throws<InvalidDataException>(() => NewTrainer(other.Path).Resume(path));
    }
}
