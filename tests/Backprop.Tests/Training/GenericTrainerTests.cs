using Backprop.Data;
using Backprop.NN;
using Backprop.Optim;
using Backprop.Serialization;
using Backprop.Training;

namespace Backprop.Tests.Training;

/// <summary>
/// The trainer with modules, losses and data of the caller's: a two-input module, a regression, a stream. Small
/// synthetic sets, so every test runs in a few seconds at most.
/// </summary>
public sealed class GenericTrainerTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "backprop-generic-trainer-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    /// <summary>A module of two inputs, as a user writes one: y = head(tanh(a(x1)) · tanh(b(x2))), with dropout inside.</summary>
    private sealed class Gated : Module<Tensor, Tensor, Tensor>
    {
        private readonly Linear _a, _b, _head;
        private readonly Dropout _dropout;

        public Gated(Generator generator, double dropout)
        {
            _a = RegisterModule("a", new Linear(2, 16, generator));
            _b = RegisterModule("b", new Linear(1, 16, generator));
            _dropout = RegisterModule("dropout", new Dropout(dropout, new Generator(99)));
            _head = RegisterModule("head", new Linear(16, 1, generator));
        }

        public override Tensor Forward(Tensor x1, Tensor x2) =>
            ForwardChild(_head, ForwardChild(_dropout, ForwardChild(_a, x1).Tanh() * ForwardChild(_b, x2).Tanh()));
    }

    /// <summary>x1 [n, 2], x2 [n, 1] uniform in [−1, 1]; target (x1₀ + x1₁) · x2, [n, 1]: learnable only from both inputs.</summary>
    private static TensorDataset<(Tensor, Tensor, Tensor)> Products(int n, ulong seed)
    {
        var g = new Generator(seed);
        var x1 = Tensor.Uniform([n, 2], -1, 1, g);
        var x2 = Tensor.Uniform([n, 1], -1, 1, g);
        using var _ = Backprop.Autograd.NoGrad();
        return TensorDataset.Create(x1, x2, x1.Sum(1, keepDim: true) * x2);
    }

    private static readonly TensorDataset<(Tensor, Tensor, Tensor)> Train = Products(256, 1);
    private static readonly TensorDataset<(Tensor, Tensor, Tensor)> Validation = Products(64, 2);

    // 256 samples in batches of 32: 8 batches per epoch.
    private static Trainer<(Tensor X1, Tensor X2, Tensor Y)> CreateGated(int epochs = 4, string? output = null, double dropout = 0.1)
    {
        var model = new Gated(new Generator(5), dropout);
        var loader = new DataLoader<(Tensor X1, Tensor X2, Tensor Y)>(Train, 32, shuffle: new Generator(6), prefetch: true);
        var validation = new DataLoader<(Tensor X1, Tensor X2, Tensor Y)>(Validation, 64);
        return new Trainer<(Tensor X1, Tensor X2, Tensor Y)>(model, new Adam(model.Parameters(), 0.02), loader,
            batch => Losses.Mse(model.Forward(batch.X1, batch.X2), batch.Y),
            new TrainerOptions { Epochs = epochs, Schedule = new CosineAnnealingSchedule(0.02, 8 * epochs), OutputDirectory = output }, validation);
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
    public void TrainsAModuleOfTwoInputs()
    {
        var trainer = CreateGated(epochs: 30, dropout: 0);
        var result = trainer.Run();
        // The target's variance is E[(u + v)²]·E[w²] = (2/3)·(1/3) = 2/9 ≈ 0.22 (u, v, w uniform on [−1, 1]): a model
        // that ignored either input could not get below it; learning the product gets far below.
        Assert.True(result.Final!.TestLoss < 0.02, $"validation MSE {result.Final.TestLoss}");
        Assert.True(result.History[^1].TrainLoss < result.History[0].TrainLoss / 5);
        Assert.True(double.IsNaN(result.Final.TestAccuracy)); // no accuracy recorded by this loss
    }

    [Theory]
    [InlineData(3)]   // inside the first epoch
    [InlineData(8)]   // the first epoch's batches done, before its validation
    [InlineData(19)]  // inside the third epoch
    public void InterruptedThenResumedEqualsUninterrupted(int batches)
    {
        var straight = CreateGated();
        var expected = straight.Run();

        string dir = Path.Combine(_directory, "cut" + batches);
        using var cancellation = new CancellationTokenSource();
        var interrupted = CreateGated(output: dir).Run(new CancelAfter(batches, cancellation), cancellation.Token);
        Assert.True(interrupted.Interrupted);
        Assert.Equal((batches - 1) / 8, interrupted.CompletedEpochs);
        Assert.Equal(batches - 8 * interrupted.CompletedEpochs, interrupted.BatchesIntoEpoch);
        // The checkpoint of a module of the caller's records no model spec; it loads into a module built by the caller.
        Assert.Null(Checkpoint.Read(interrupted.CheckpointPath!).Metadata.ModelSpec);

        var resumed = CreateGated();
        resumed.Resume(interrupted.CheckpointPath!);
        var result = resumed.Run();

        // Bit-identical: the shuffle generator, the dropout generator, Adam's moments and the schedule's step all resumed.
        AssertSameWeights(straight.Model, resumed.Model);
        Assert.Equal(expected.History.Select(m => m.TrainLoss), result.History.Select(m => m.TrainLoss));
        Assert.Equal(expected.History.Select(m => m.TestLoss), result.History.Select(m => m.TestLoss));
    }

    [Fact]
    public void CancellationStopsBeforeTheNextBatchAndWritesACheckpoint()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();
        var trainer = CreateGated(output: _directory);
        var before = Weights(trainer.Model);
        var result = trainer.Run(cancellation: cancellation.Token);

        Assert.True(result.Interrupted);
        Assert.Equal((0, 0), (result.CompletedEpochs, result.BatchesIntoEpoch));
        Assert.True(File.Exists(result.CheckpointPath));
        var after = Weights(trainer.Model);
        for (int i = 0; i < before.Length; i++) Assert.Equal(before[i], after[i]); // no step was taken
    }

    [Fact]
    public void CancellationDuringValidationFinishesTheEpochAndWritesItsCheckpoint()
    {
        // A signal that arrives while the validation set is evaluated must not lose the epoch: the evaluation ends, the
        // epoch's checkpoint is written, and the run stops before the next batch (as the CLI's Ctrl+C test expects).
        using var cancellation = new CancellationTokenSource();
        var model = new Gated(new Generator(5), 0);
        var validation = new DataLoader<(Tensor X1, Tensor X2, Tensor Y)>(Validation, 16) { OnFillingBatch = _ => cancellation.Cancel() };
        var trainer = new Trainer<(Tensor X1, Tensor X2, Tensor Y)>(model, new Adam(model.Parameters(), 0.02),
            new DataLoader<(Tensor X1, Tensor X2, Tensor Y)>(Train, 32), batch => Losses.Mse(model.Forward(batch.X1, batch.X2), batch.Y),
            new TrainerOptions { Epochs = 3, OutputDirectory = _directory }, validation);
        var result = trainer.Run(cancellation: cancellation.Token);

        Assert.True(result.Interrupted);
        Assert.Equal((1, 0), (result.CompletedEpochs, result.BatchesIntoEpoch));
        Assert.False(double.IsNaN(result.Final!.TestLoss)); // the whole validation set was evaluated
        Assert.Equal(1, Checkpoint.Read(result.CheckpointPath!).Metadata.Epoch);
    }

    [Fact]
    public void ARegressionRecordsItsOwnMetrics()
    {
        // y = 3x − 1 + noise(σ = 0.1) on x in [−1, 1]: a Linear(1, 1) fits it to an MSE near σ² = 0.01.
        var g = new Generator(3);
        var x = Tensor.Uniform([200, 1], -1, 1, g);
        Tensor y;
        using (Backprop.Autograd.NoGrad()) y = x * 3.0 - 1.0 + Tensor.Randn([200, 1], g) * 0.1;
        var model = new Linear(1, 1, new Generator(4));
        var loader = new DataLoader<(Tensor X, Tensor Y)>(TensorDataset.Create(x, y), 20, shuffle: new Generator(5));
        var trainer = new Trainer<(Tensor X, Tensor Y)>(model, new Sgd(model.Parameters(), 0.1), loader,
            (batch, metrics) =>
            {
                var prediction = model.Forward(batch.X);
                using (Backprop.Autograd.NoGrad())
                    metrics.Add("mae", (prediction - batch.Y).Abs().Sum().Item(), batch.X.Size(0));
                return Losses.Mse(prediction, batch.Y);
            },
            new TrainerOptions { Epochs = 30, OutputDirectory = _directory }, validation: loader);
        var result = trainer.Run();

        Assert.InRange(result.Final!.TestLoss, 0.005, 0.02);
        // The mean |error| of a normal error of σ = 0.1 is σ·√(2/π) ≈ 0.080.
        Assert.InRange(result.Final.TrainMetrics["mae"], 0.06, 0.10);
        Assert.InRange(result.Final.TestMetrics["mae"], 0.06, 0.10);
        Assert.InRange(model.StateDict()[0].Value.Item(), 2.9, 3.1);
        string[] metrics = File.ReadAllLines(Path.Combine(_directory, "metrics.csv"));
        Assert.Equal(RunDirectory.MetricsHeader + ",train_mae,test_mae", metrics[0]);
        Assert.Equal(31, metrics.Length);
    }

    [Fact]
    public void ACheckpointLoadsIntoAModuleOfTheCaller()
    {
        var trainer = CreateGated(epochs: 1, output: _directory);
        var result = trainer.Run();

        var fresh = new Gated(new Generator(77), 0.1);
        var optimizer = new Adam(fresh.Parameters(), 0.02);
        var metadata = Checkpoint.LoadInto(result.CheckpointPath!, fresh, optimizer);
        Assert.Equal(1, metadata.Epoch);
        AssertSameWeights(trainer.Model, fresh);
        Assert.Equal(trainer.Optimizer.StepCount, optimizer.StepCount);

        var other = new Linear(2, 16, new Generator(1));
        var e = Assert.Throws<ArgumentException>(() => Checkpoint.LoadInto(result.CheckpointPath!, other));
        Assert.Contains("model.safetensors", e.Message);
    }

    [Fact]
    public void AStreamTrainsAndResumesExactly()
    {
        // Samples drawn without end from the loader's generator: an epoch is a fixed number of batches.
        Trainer<(Tensor X, Tensor Y)> Create(string? output = null)
        {
            var model = new Linear(1, 1, new Generator(8));
            var loader = new DataLoader<(Tensor X, Tensor Y)>(new NoisyLine(), batchSize: 16, batchesPerEpoch: 5, new Generator(9), prefetch: true);
            return new Trainer<(Tensor X, Tensor Y)>(model, new Adam(model.Parameters(), 0.05), loader,
                batch => Losses.Mse(model.Forward(batch.X), batch.Y), new TrainerOptions { Epochs = 3, OutputDirectory = output });
        }
        var straight = Create();
        straight.Run();

        using var cancellation = new CancellationTokenSource();
        var cut = Create(Path.Combine(_directory, "stream")).Run(new CancelAfter(7, cancellation), cancellation.Token);
        Assert.Equal((1, 2), (cut.CompletedEpochs, cut.BatchesIntoEpoch));

        var resumed = Create();
        resumed.Resume(cut.CheckpointPath!);
        resumed.Run();
        AssertSameWeights(straight.Model, resumed.Model);
    }

    /// <summary>x uniform in [−1, 1], y = 2x + 1 + noise: every draw from the generator the loader passes.</summary>
    private sealed class NoisyLine : IStreamingDataset<(Tensor, Tensor)>
    {
        public IEnumerable<(Tensor, Tensor)> Samples(Generator? generator)
        {
            ArgumentNullException.ThrowIfNull(generator);
            while (true)
            {
                float x = generator.NextFloat() * 2 - 1;
                yield return (Tensor.FromArray([x], 1), Tensor.FromArray([2 * x + 1 + (generator.NextFloat() - 0.5f) * 0.1f], 1));
            }
        }
    }

    [Fact]
    public void ALossThatIsNotOneNumberIsRefused()
    {
        var model = new Linear(1, 1, new Generator(8));
        var loader = new DataLoader<(Tensor X, Tensor Y)>(TensorDataset.Create(Tensor.Zeros(4, 1), Tensor.Zeros(4, 1)), 2);
        var trainer = new Trainer<(Tensor X, Tensor Y)>(model, new Sgd(model.Parameters(), 0.1), loader,
            batch => model.Forward(batch.X) - batch.Y, new TrainerOptions { Epochs = 1 });
        var e = Assert.Throws<InvalidOperationException>(() => trainer.Run());
        Assert.Contains("shape [2, 1]", e.Message);
        Assert.Contains("Mean or Sum", e.Message);
    }

    [Fact]
    public void ResumeRefusesACheckpointOfAnotherNumberOfGenerators()
    {
        var first = CreateGated(epochs: 1, output: _directory).Run();
        var model = new Gated(new Generator(5), 0.1);
        var noShuffle = new DataLoader<(Tensor X1, Tensor X2, Tensor Y)>(Train, 32); // no generator: 4 words fewer
        var trainer = new Trainer<(Tensor X1, Tensor X2, Tensor Y)>(model, new Adam(model.Parameters(), 0.02), noShuffle,
            batch => Losses.Mse(model.Forward(batch.X1, batch.X2), batch.Y), new TrainerOptions { Epochs = 2 });
        var e = Assert.Throws<InvalidDataException>(() => trainer.Resume(first.CheckpointPath!));
        Assert.Contains("generator state words", e.Message);
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
