using Backprop.Teaching.Visualization;
using Backprop.Data;
using Backprop.Kernels;
using Backprop.NN;
using Backprop.Optim;
using Backprop.Serialization;
using Backprop.Tests.Kernels;
using Backprop.Training;

namespace Backprop.Tests.Training;

// Tiny synthetic sets only (a few hundred 2-d points), so every test runs in well under a second.
public sealed class TrainerTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "backprop-trainer-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    private static readonly Dataset Train = Synthetic.Quadrants(320, 1);
    private static readonly Dataset Test = Synthetic.Quadrants(160, 2);

    // 320 samples in batches of 32: 10 batches per epoch.
    private static Trainer<(Tensor Features, Tensor Label)> Create(string spec = "mlp:16,16+dropout:0.1", int epochs = 4, string? output = null, string optimizer = "adam",
        bool recycle = true, ulong seed = 7)
    {
        var model = ModelSpec.Parse(spec).Build(Train.SampleShape, Train.NumClasses, new Generator(seed));
        Optimizer opt = optimizer == "sgd"
            ? new Sgd(model.Parameters(), 0.05, momentum: 0.9, weightDecay: 1e-4)
            : new Adam(model.Parameters(), 0.01);
        var options = new TrainerOptions
        {
            Epochs = epochs,
            BatchSize = 32,
            Seed = seed,
            // The period is fixed at 4 epochs whatever Epochs is, so a 2-epoch run is the first half of a 4-epoch run.
            Schedule = new CosineAnnealingSchedule(optimizer == "sgd" ? 0.05 : 0.01, 40),
            OutputDirectory = output,
            ModelSpec = spec,
            ConfigJson = """{"note": "test"}""",
            RecycleBuffers = recycle,
            Reports = [new CurvesReport("test")],
        };
        return Trainer.Classifier(model, opt, Train, Test, options);
    }

    private static float[][] Weights(Module model) => [.. model.StateDict().Select(e => e.Value.ToFloatArray())];

    private static void AssertSameWeights(Module expected, Module actual)
    {
        var a = Weights(expected);
        var b = Weights(actual);
        Assert.Equal(a.Length, b.Length);
        for (int i = 0; i < a.Length; i++) Assert.Equal(a[i], b[i]); // exact: bit-identical floats
    }

    [Fact]
    public void LearnsQuadrants()
    {
        var model = ModelSpec.Parse("mlp:16").Build(Train.SampleShape, Train.NumClasses, new Generator(3));
        var trainer = Trainer.Classifier(model, new Adam(model.Parameters(), 0.05), Train, Test, new TrainerOptions { Epochs = 4, BatchSize = 32, Seed = 3 });
        var result = trainer.Run();
        Assert.False(result.Interrupted);
        Assert.Equal(4, result.CompletedEpochs);
        Assert.Equal([1, 2, 3, 4], result.History.Select(m => m.Epoch));
        // The quadrants are separable with a margin: a 16-unit MLP gets them right within a few epochs.
        Assert.True(result.Final!.TestAccuracy >= 0.95, $"test accuracy {result.Final.TestAccuracy}");
        Assert.True(result.History[^1].TrainLoss < result.History[0].TrainLoss);
    }

    [Fact]
    public void SameWeightsForAnyThreadCount()
    {
        // 256 units: the 32×256·256×256 products are large enough for the GEMM to give a second thread work.
        var one = WithThreads.Run(1, () => { var t = Create(spec: "mlp:256,256"); t.Run(); return t; });
        var two = WithThreads.Run(2, () => { var t = Create(spec: "mlp:256,256"); t.Run(); return t; });
        AssertSameWeights(one.Model, two.Model);
    }

    [Fact]
    public void RecyclingBuffersChangesNoBit()
    {
        var pooled = Create(recycle: true);
        var fresh = Create(recycle: false);
        var a = pooled.Run();
        var b = fresh.Run();
        AssertSameWeights(pooled.Model, fresh.Model);
        Assert.Equal(b.History.Select(m => m.TrainLoss), a.History.Select(m => m.TrainLoss));
        // The point of the scope: the steady-state step allocates far less than without it.
        Assert.True(a.AllocatedBytesPerStep < b.AllocatedBytesPerStep, $"{a.AllocatedBytesPerStep} vs {b.AllocatedBytesPerStep} bytes per step");
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("sgd")]
    public void TwoEpochsThenResumeEqualsFourEpochs(string optimizer)
    {
        var straight = Create(optimizer: optimizer);
        straight.Run();

        string dir = Path.Combine(_directory, optimizer);
        var first = Create(epochs: 2, output: dir, optimizer: optimizer).Run();
        Assert.Equal(2, first.CompletedEpochs);
        var second = Create(epochs: 4, optimizer: optimizer);
        second.Resume(first.CheckpointPath!);
        Assert.Equal(2, second.CompletedEpochs);
        var result = second.Run();

        AssertSameWeights(straight.Model, second.Model);
        Assert.Equal(straight.History.Select(m => m.TestLoss), result.History.Select(m => m.TestLoss));
    }

    [Theory]
    [InlineData(3)]   // inside the first epoch
    [InlineData(10)]  // exactly at the end of the first epoch's batches, before its evaluation
    [InlineData(27)]  // inside the third epoch
    public void InterruptedMidEpochThenResumedEqualsUninterrupted(int batches)
    {
        var straight = Create();
        var expected = straight.Run();

        string dir = Path.Combine(_directory, "cut" + batches);
        using var cancellation = new CancellationTokenSource();
        var interrupted = Create(output: dir).Run(new CancelAfter(batches, cancellation), cancellation.Token);
        Assert.True(interrupted.Interrupted);
        // Cancellation is seen before the next batch: after the 10th batch the first epoch is trained but not evaluated.
        int completed = (batches - 1) / 10;
        Assert.Equal(completed, interrupted.CompletedEpochs);
        Assert.Equal(batches - 10 * completed, interrupted.BatchesIntoEpoch);
        Assert.Equal(completed, Checkpoint.Load(interrupted.CheckpointPath!).Metadata.Epoch);

        var resumed = Create();
        resumed.Resume(interrupted.CheckpointPath!);
        var result = resumed.Run();

        AssertSameWeights(straight.Model, resumed.Model);
        // The running sums of the cut epoch were saved too, so even its training loss is the same.
        Assert.Equal(expected.History.Select(m => m.TrainLoss), result.History.Select(m => m.TrainLoss));
        Assert.Equal(expected.History.Select(m => m.TrainAccuracy), result.History.Select(m => m.TrainAccuracy));
    }

    [Fact]
    public void WritesCheckpointMetricsAndCurvesAtomically()
    {
        var result = Create(output: _directory, epochs: 3).Run();
        var files = Directory.GetFiles(_directory).Select(f => Path.GetFileName(f)).Order().ToArray();
        Assert.Equal(["curves.svg", "metrics.csv", "model.safetensors"], files); // no temporary file left behind
        var lines = File.ReadAllLines(Path.Combine(_directory, "metrics.csv"));
        Assert.Equal(RunDirectory.MetricsHeader, lines[0]);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("3,", lines[3]);
        Assert.Contains("<svg", File.ReadAllText(Path.Combine(_directory, "curves.svg")));

        var checkpoint = Checkpoint.Load(result.CheckpointPath!);
        Assert.Equal(3, checkpoint.Metadata.Epoch);
        Assert.Equal("mlp:16,16+dropout:0.1", checkpoint.Metadata.ModelSpec);
        Assert.Equal([2], checkpoint.Metadata.InputShape!);
        Assert.Equal(4, checkpoint.Metadata.NumClasses);
        Assert.Equal("Adam", checkpoint.Metadata.Optimizer);
        Assert.Contains("\"note\":\"test\"", checkpoint.Metadata.TrainingConfigJson);
        // The shuffle generator plus the generators of the two dropout layers.
        Assert.Equal(3 * Generator.StateLength, checkpoint.Metadata.GeneratorState!.Length);
    }

    [Fact]
    public void ResumeRejectsWeightsOfAnotherShape()
    {
        var first = Create(spec: "mlp:16", epochs: 1, output: _directory).Run();
        var other = Create(spec: "mlp:32", epochs: 2);
        var e = Assert.Throws<ArgumentException>(() => other.Resume(first.CheckpointPath!));
        Assert.Contains("0.weight has shape [16, 2], the model expects [32, 2]", e.Message);
    }

    [Fact]
    public void ResumeRejectsAnotherOptimizer()
    {
        var first = Create(spec: "mlp:16", epochs: 1, output: _directory).Run();
        var other = Create(spec: "mlp:16", optimizer: "sgd");
        var e = Assert.Throws<InvalidOperationException>(() => other.Resume(first.CheckpointPath!));
        Assert.Contains("Adam", e.Message);
    }

    [Fact]
    public void DivergenceIsReportedWithEpochAndBatch()
    {
        var model = ModelSpec.Parse("mlp:16").Build(Train.SampleShape, Train.NumClasses, new Generator(1));
        var trainer = Trainer.Classifier(model, new Sgd(model.Parameters(), 1e30), Train, Test, new TrainerOptions { Epochs = 2, BatchSize = 32 });
        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Run());
        Assert.Contains("diverged", e.Message);
        Assert.Contains("epoch 1", e.Message);
        Assert.Contains("--detect-anomaly", e.Message); // the way to find the operator that produced it
    }

    [Fact]
    public void OptionsAreValidated()
    {
        var model = ModelSpec.Parse("linear").Build(Train.SampleShape, Train.NumClasses, new Generator(1));
        var opt = new Sgd(model.Parameters(), 0.1);
        Assert.Throws<ArgumentException>(() => Trainer.Classifier(model, opt, Train, Test, new TrainerOptions { Epochs = 0 }));
        Assert.Throws<ArgumentException>(() => Trainer.Classifier(model, opt, Train, Test, new TrainerOptions { BatchSize = 0 }));
        Assert.Throws<ArgumentException>(() => Trainer.Classifier(model, opt, Train, Test, new TrainerOptions { EvaluationBatchSize = 0 }));
        Assert.Throws<ArgumentException>(() => Trainer.Classifier(model, opt, Train, Synthetic.Spiral(30, 3, 1), new TrainerOptions()));
    }

    /// <summary>Cancels the token once the given number of batches (counted over all epochs) has finished.</summary>
    private sealed class CancelAfter(int batches, CancellationTokenSource source) : ITrainingProgress
    {
        private int _done;
        public void EpochStarted(int epoch, int epochs, int batchesPerEpoch, int batchesAlreadyDone) { }
        public void BatchFinished(int batchesDone, int samplesDone, double runningLoss, double runningAccuracy)
        {
            if (++_done == batches) source.Cancel();
        }
        public void EpochFinished(EpochMetrics metrics, double samplesPerSecond) { }
    }
}
