using Backprop.Serialization;
using Backprop.Training;

namespace Backprop.Tests.Training;

public class TrainingHistoryTests
{
    [Fact]
    public void A_checkpoint_without_the_trainers_progress_has_no_history()
    {
        Assert.Null(TrainingHistory.Read(new CheckpointMetadata()));
        Assert.Null(TrainingHistory.Read(new CheckpointMetadata { TrainingConfigJson = """{"data":"digits"}""" }));
    }

    [Fact]
    public void The_progress_a_trainer_records_reads_back_epoch_by_epoch()
    {
        string json = """
            {"data":"digits","progress":{"completed_epochs":2,"batches_into_epoch":0,"epoch_loss_sum":0,"epoch_samples":0,
             "epoch_seconds":0,"epoch_training_seconds":0,"history":[
              {"epoch":1,"train_loss":1.5,"train_accuracy":0.5,"test_loss":1.25,"test_accuracy":0.625,"seconds":0.5},
              {"epoch":2,"train_loss":0.75,"train_accuracy":0.875,"test_loss":null,"test_accuracy":0.75,"seconds":0.5}]}}
            """;
        var history = TrainingHistory.Read(new CheckpointMetadata { TrainingConfigJson = json })!;
        Assert.Equal([1, 2], history.Select(m => m.Epoch));
        Assert.Equal([1.5, 0.75], history.Select(m => m.TrainLoss));
        Assert.True(double.IsNaN(history[1].TestLoss)); // null: not measured
    }

    [Fact]
    public void Malformed_progress_names_the_checkpoint()
    {
        var notJson = Assert.Throws<InvalidDataException>(() => TrainingHistory.Read(new CheckpointMetadata { TrainingConfigJson = "{nope" }, "checkpoint 'x'"));
        Assert.StartsWith("checkpoint 'x': its training config is not valid JSON", notJson.Message);
        var inconsistent = Assert.Throws<InvalidDataException>(() => TrainingHistory.Read(new CheckpointMetadata
        {
            TrainingConfigJson = """{"progress":{"completed_epochs":3,"batches_into_epoch":0,"epoch_loss_sum":0,"epoch_samples":0,"epoch_seconds":0,"epoch_training_seconds":0,"history":[]}}""",
        }, "checkpoint 'x'"));
        Assert.Contains("checkpoint 'x'", inconsistent.Message);
    }
}
