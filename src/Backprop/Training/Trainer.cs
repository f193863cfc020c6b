using System.Diagnostics;
using Backprop.Data;
using Backprop.NN;
using Backprop.Optim;
using Backprop.Serialization;

namespace Backprop.Training;

/// <summary>
/// The training loop of a classifier, the same one the <c>backprop train</c> command runs: epochs of shuffled
/// mini-batches (forward, cross-entropy, backward, optimizer step), evaluation on a test set after every epoch,
/// per-epoch metrics, checkpoints, cancellation at the next batch, and exact resumption.
/// </summary>
/// <remarks>
/// <para>
/// Determinism: the epochs' orders come from a generator seeded with <see cref="TrainerOptions.Seed"/>, dropout
/// masks from the dropout layers' own generators, and the kernels give bit-identical results for any thread count,
/// so the same model, data and options give the same weights, whatever <c>Parallelism.MaxThreads</c> is.
/// </para>
/// <para>
/// Resumption: a checkpoint holds the weights, the optimizer's state, the finished epochs' metrics, how many batches
/// of the current epoch were trained with that epoch's running sums, and the generators' states (the shuffle
/// generator as it was when the current epoch began, so the epoch's order is drawn again identically, then each
/// dropout layer's generator). <see cref="Resume"/> followed by <see cref="Run"/> ends with exactly the weights an
/// uninterrupted run would have.
/// </para>
/// <para>
/// Each step's forward and backward pass runs in a <see cref="TensorScope"/> (its buffers are recycled); the
/// optimizer step runs outside it. The loss is read inside the scope.
/// </para>
/// </remarks>
public sealed class Trainer
{
    private readonly Generator _shuffle;
    private readonly Dropout[] _dropouts;
    private TrainingState _state = new();
    private ulong[] _epochStartShuffleState;

    /// <summary>Creates a trainer; nothing runs until <see cref="Run"/>.</summary>
    /// <param name="model">The classifier: batches [N, ..sample shape] to logits [N, classes].</param>
    /// <param name="optimizer">The optimizer over <paramref name="model"/>'s parameters.</param>
    /// <param name="train">The training set (shuffled every epoch).</param>
    /// <param name="test">The set evaluated after every epoch, or null.</param>
    /// <param name="options">Epochs, batch size, schedule, output; validated here.</param>
    public Trainer(Sequential model, Optimizer optimizer, Dataset train, Dataset? test, TrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (train.Count == 0) throw new ArgumentException($"trainer: the training set '{train.Name}' is empty");
        if (test is not null && (!Shapes.Equal(test.SampleShape, train.SampleShape) || test.NumClasses != train.NumClasses))
            throw new ArgumentException(
                $"trainer: the test set '{test.Name}' ({Shapes.Format(test.SampleShape)}, {test.NumClasses} classes) does not match the training set '{train.Name}' ({Shapes.Format(train.SampleShape)}, {train.NumClasses} classes)");
        (Model, Optimizer, TrainingSet, TestSet, Options) = (model, optimizer, train, test, options);
        _shuffle = new Generator(options.Seed);
        _epochStartShuffleState = _shuffle.GetState();
        _dropouts = [.. FindDropouts(model)];
    }

    /// <summary>The model being trained.</summary>
    public Sequential Model { get; }
    /// <summary>The optimizer.</summary>
    public Optimizer Optimizer { get; }
    /// <summary>The training set.</summary>
    public Dataset TrainingSet { get; }
    /// <summary>The test set, or null.</summary>
    public Dataset? TestSet { get; }
    /// <summary>The options.</summary>
    public TrainerOptions Options { get; }

    /// <summary>Finished epochs, including those of the run a checkpoint was resumed from.</summary>
    public int CompletedEpochs => _state.CompletedEpochs;

    /// <summary>Batches already trained in the epoch after <see cref="CompletedEpochs"/> (non-zero after resuming an interrupted epoch).</summary>
    public int BatchesIntoEpoch => _state.BatchesIntoEpoch;

    /// <summary>The figures of every finished epoch.</summary>
    public IReadOnlyList<EpochMetrics> History => _state.History;

    /// <summary>
    /// Continues from a checkpoint written by a trainer: loads the weights (shape-checked against this model), the
    /// optimizer's state (same kind), the progress and the generators' states. Everything is checked before the
    /// trainer's own state changes; a missing or corrupt file, or weights that do not fit, throw with a message naming
    /// the file and what is wrong.
    /// </summary>
    public void Resume(string checkpointPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(checkpointPath);
        string source = $"checkpoint '{checkpointPath}'";
        if (!File.Exists(checkpointPath)) throw new FileNotFoundException($"{source} does not exist", checkpointPath);
        var checkpoint = Checkpoint.Load(checkpointPath);
        var state = TrainingState.FromJson(checkpoint.Metadata.TrainingConfigJson, source);
        state.CheckFits((TrainingSet.Count + Options.BatchSize - 1) / Options.BatchSize, source);
        var words = checkpoint.Metadata.GeneratorState;
        int expectedWords = Generator.StateLength * (1 + _dropouts.Length);
        if (words is null || words.Length != expectedWords)
            throw new InvalidDataException(
                $"{source}: holds {words?.Length ?? 0} generator state words; this model ({_dropouts.Length} dropout layers) needs {expectedWords}");
        var weights = new Dictionary<string, Tensor>();
        foreach (var (name, tensor) in checkpoint.Model.StateDict()) weights[name] = tensor;
        Model.LoadStateDict(weights, source);
        checkpoint.RestoreOptimizer(Optimizer);
        _shuffle.SetState(words.AsSpan(0, Generator.StateLength));
        _epochStartShuffleState = _shuffle.GetState();
        for (int i = 0; i < _dropouts.Length; i++)
            _dropouts[i].Generator.SetState(words.AsSpan(Generator.StateLength * (i + 1), Generator.StateLength));
        _state = state;
    }

    /// <summary>
    /// Trains until <see cref="TrainerOptions.Epochs"/> epochs are finished or <paramref name="cancellation"/> is
    /// signalled; cancellation is honoured before the next batch, and the checkpoint then written records the position
    /// inside the epoch. With an output directory, the checkpoint, metrics and curves are rewritten after every epoch.
    /// </summary>
    /// <exception cref="InvalidOperationException">The loss became NaN or infinite (the message names the epoch and batch).</exception>
    public TrainingResult Run(ITrainingProgress? progress = null, CancellationToken cancellation = default)
    {
        var loader = new DataLoader(TrainingSet, Options.BatchSize, _shuffle, dropLast: false, prefetch: Options.Prefetch);
        int batchesPerEpoch = loader.BatchesPerEpoch;
        var sessionClock = Stopwatch.StartNew();
        long trainingTicks = 0, samplesTrained = 0, stepsThisSession = 0;
        var allocations = new List<long>(1024);
        bool interrupted = false;
        string? checkpointPath = null;
        Model.Train();

        while (_state.CompletedEpochs < Options.Epochs)
        {
            int epoch = _state.CompletedEpochs + 1;
            progress?.EpochStarted(epoch, Options.Epochs, batchesPerEpoch, _state.BatchesIntoEpoch);
            long epochStart = Stopwatch.GetTimestamp(), trainingStart = epochStart;
            // GetEnumerator draws the epoch's order from the shuffle generator; its state from before the draw is
            // what a checkpoint inside this epoch must hold (_epochStartShuffleState).
            using (var batches = loader.GetEnumerator())
            {
                for (int skip = 0; skip < _state.BatchesIntoEpoch; skip++) batches.MoveNext();
                while (true)
                {
                    if (cancellation.IsCancellationRequested)
                    {
                        interrupted = true;
                        break;
                    }
                    if (!batches.MoveNext()) break;
                    var batch = batches.Current;
                    long before = GC.GetAllocatedBytesForCurrentThread();
                    var (loss, correct) = Step(batch, (epoch - 1) * batchesPerEpoch + _state.BatchesIntoEpoch);
                    long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                    // The first steps allocate the gradients and fill the buffer pool; they are not the steady state.
                    if (++stepsThisSession > Math.Min(50, batchesPerEpoch)) allocations.Add(allocated);
                    if (!double.IsFinite(loss))
                        throw new TrainingDivergedException(
                            $"training diverged: the loss became {loss} in epoch {epoch}, batch {_state.BatchesIntoEpoch + 1}; try a smaller learning rate" +
                            (Options.DetectAnomaly ? "" : ", or run again with anomaly detection (train --detect-anomaly; TrainerOptions.DetectAnomaly) to find the operator that produced it"));
                    _state.BatchesIntoEpoch++;
                    _state.EpochLossSum += loss * batch.Count;
                    _state.EpochCorrect += correct;
                    _state.EpochSamples += batch.Count;
                    samplesTrained += batch.Count;
                    progress?.BatchFinished(_state.BatchesIntoEpoch, (int)_state.EpochSamples,
                        _state.EpochLossSum / _state.EpochSamples, (double)_state.EpochCorrect / _state.EpochSamples);
                }
            }
            long trainingEnd = Stopwatch.GetTimestamp();
            trainingTicks += trainingEnd - trainingStart;
            _state.EpochTrainingSeconds += Stopwatch.GetElapsedTime(trainingStart, trainingEnd).TotalSeconds;
            if (interrupted)
            {
                _state.EpochSeconds += Stopwatch.GetElapsedTime(epochStart).TotalSeconds;
                break;
            }

            var test = TestSet is null || TestSet.Count == 0 ? null : Evaluation.Run(Model, TestSet, Options.EvaluationBatchSize);
            var (testLoss, testAccuracy) = test is null ? (double.NaN, double.NaN) : (test.Loss, test.Accuracy);
            _state.EpochSeconds += Stopwatch.GetElapsedTime(epochStart).TotalSeconds;
            var metrics = new EpochMetrics(epoch, _state.EpochLossSum / _state.EpochSamples, (double)_state.EpochCorrect / _state.EpochSamples,
                testLoss, testAccuracy, _state.EpochSeconds);
            double samplesPerSecond = _state.EpochSamples / Math.Max(_state.EpochTrainingSeconds, 1e-9);
            _state.History.Add(metrics);
            _state.StartNextEpoch();
            _epochStartShuffleState = _shuffle.GetState();
            checkpointPath = WriteOutputs() ?? checkpointPath;
            progress?.EpochFinished(metrics, samplesPerSecond);
        }
        if (interrupted) checkpointPath = WriteOutputs() ?? checkpointPath;

        double trainingSeconds = Stopwatch.GetElapsedTime(0, trainingTicks).TotalSeconds;
        return new TrainingResult
        {
            History = [.. _state.History],
            Interrupted = interrupted,
            CompletedEpochs = _state.CompletedEpochs,
            BatchesIntoEpoch = _state.BatchesIntoEpoch,
            Seconds = sessionClock.Elapsed.TotalSeconds,
            SamplesPerSecond = samplesTrained > 0 ? samplesTrained / trainingSeconds : double.NaN,
            CheckpointPath = checkpointPath,
            AllocatedBytesPerStep = allocations.Count > 0 ? Median(allocations) : -1,
        };
    }

    /// <summary>One optimizer step on <paramref name="batch"/>; returns the batch's mean loss and its correct predictions.</summary>
    private (double Loss, int Correct) Step(Batch batch, int stepIndex)
    {
        Options.Schedule?.Apply(Optimizer, stepIndex);
        Optimizer.ZeroGrad();
        double loss;
        int correct;
        if (Options.RecycleBuffers)
        {
            using var scope = TensorScope.Begin();
            (loss, correct) = ForwardBackward(batch);
        }
        else
        {
            (loss, correct) = ForwardBackward(batch);
        }
        if (Options.MaxGradientNorm is { } maxNorm) GradientClipping.ClipByGlobalNorm(Optimizer.Parameters, maxNorm);
        // Outside the scope: the optimizer's state lives across steps and must not come from the pool.
        Optimizer.Step();
        return (loss, correct);
    }

    private (double Loss, int Correct) ForwardBackward(Batch batch)
    {
        using var anomaly = Options.DetectAnomaly ? Autograd.DetectAnomaly() : default;
        // The batch's arrays stay valid until the next MoveNext, so the tensor can wrap them without a copy.
        var logits = Model.Forward(Tensor.Wrap(batch.Features, batch.Shape));
        var loss = logits.CrossEntropy(batch.Labels);
        double value = loss.Item();
        int correct = Evaluation.CountCorrect(logits, batch.Labels);
        loss.Backward();
        return (value, correct);
    }

    /// <summary>Writes the checkpoint, metrics and reports; returns the checkpoint's path (null without an output directory).</summary>
    private string? WriteOutputs()
    {
        if (Options.OutputDirectory is null) return null;
        var directory = new RunDirectory(Options.OutputDirectory);
        var parameters = Model.Parameters();
        var metadata = new CheckpointMetadata
        {
            ModelSpec = Options.ModelSpec!,
            InputShape = TrainingSet.SampleShape,
            NumClasses = TrainingSet.NumClasses,
            DType = parameters.Count > 0 ? parameters[0].DType : DType.Float32,
            TrainingConfigJson = _state.ToJson(Options.ConfigJson),
            Epoch = _state.CompletedEpochs,
            GeneratorState = GeneratorWords(),
        };
        Checkpoint.Save(directory.CheckpointPath, Model, metadata, Optimizer);
        directory.WriteMetrics(_state.History);
        foreach (var report in Options.Reports) directory.WriteReport(report, _state.History);
        return directory.CheckpointPath;
    }

    private ulong[] GeneratorWords()
    {
        var words = new List<ulong>(_epochStartShuffleState);
        foreach (var d in _dropouts) words.AddRange(d.Generator.GetState());
        return [.. words];
    }

    private static IEnumerable<Dropout> FindDropouts(Module module)
    {
        if (module is Dropout d) yield return d;
        foreach (var (_, child) in module.Children)
            foreach (var inner in FindDropouts(child)) yield return inner;
    }

    private static long Median(List<long> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
