using System.Diagnostics;
using Backprop.Data;
using Backprop.NN;
using Backprop.Optim;
using Backprop.Serialization;

namespace Backprop.Training;

/// <summary>
/// Trains any module with any loss on any data: epochs of batches from a <see cref="DataLoader{TBatch}"/> (the loss
/// function's forward pass, backward, optimizer step), evaluation on a validation loader after every epoch, per-epoch
/// metrics, checkpoints, cancellation at the next batch, and exact resumption. The classifier that
/// <c>backprop train</c> runs is the preset <see cref="Trainer.Classifier"/>.
/// </summary>
/// <remarks>
/// <para>
/// The loss function is the whole step up to the loss: <c>batch =&gt; Losses.Mse(model.Forward(batch.X), batch.Y)</c>,
/// so a module with several inputs is called as it is declared (<c>model.Forward(batch.Tokens, batch.Mask)</c>). Its
/// overload with a <see cref="MetricLog"/> records metrics besides the loss (accuracy, say), averaged per epoch.
/// </para>
/// <para>
/// Determinism: the epochs' batches come from the loader's generator, dropout masks from the dropout layers' own
/// generators (and any others in <see cref="TrainerOptions.Generators"/>), and the kernels give bit-identical results
/// for any thread count, so the same model, data and options give the same weights whatever <c>Parallelism.MaxThreads</c> is.
/// </para>
/// <para>
/// Resumption: a checkpoint holds the weights, the optimizer's state, the finished epochs' metrics, how many batches
/// of the current epoch were trained with that epoch's running sums, and the generators' states (the loader's as it
/// was when the current epoch began, so the epoch's batches are drawn again identically and the trained ones skipped,
/// then each dropout layer's and each extra generator's as it is). <see cref="Resume"/> followed by <see cref="Run"/>
/// ends with exactly the weights an uninterrupted run would have.
/// </para>
/// <para>
/// Each step's forward and backward pass runs in a <see cref="TensorScope"/> (its buffers are recycled); the optimizer
/// step runs outside it. The loss is read inside the scope; a NaN or infinite loss stops the run with
/// <see cref="TrainingDivergedException"/>.
/// </para>
/// </remarks>
/// <typeparam name="TBatch">What the loader yields, e.g. <c>(Tensor X, Tensor Y)</c>.</typeparam>
public sealed class Trainer<TBatch>
{
    private readonly Func<TBatch, MetricLog, Tensor> _loss;
    private readonly Generator[] _generators;
    private readonly MetricLog _validationLog = new();
    private TrainingState _state = new();
    private ulong[]? _epochStartDataState;

    /// <summary>Creates a trainer whose loss function records no metrics; nothing runs until <see cref="Run"/>.</summary>
    /// <param name="model">The module trained (its parameters, buffers and dropout layers are what checkpoints hold).</param>
    /// <param name="optimizer">The optimizer over <paramref name="model"/>'s parameters.</param>
    /// <param name="train">The training batches; one enumeration is one epoch.</param>
    /// <param name="loss">The batch's loss: the forward pass and the loss, a 0-d tensor.</param>
    /// <param name="options">Epochs, schedule, output; validated here.</param>
    /// <param name="validation">The batches evaluated after every epoch (in evaluation mode, without gradients), or null.</param>
    public Trainer(Module model, Optimizer optimizer, DataLoader<TBatch> train, Func<TBatch, Tensor> loss, TrainerOptions options, DataLoader<TBatch>? validation = null)
        : this(model, optimizer, train, Adapt(loss), options, validation)
    {
    }

    /// <summary>Creates a trainer whose loss function also records metrics in the <see cref="MetricLog"/> it is given.</summary>
    /// <inheritdoc cref="Trainer{TBatch}(Module, Optimizer, DataLoader{TBatch}, Func{TBatch, Tensor}, TrainerOptions, DataLoader{TBatch}?)"/>
    public Trainer(Module model, Optimizer optimizer, DataLoader<TBatch> train, Func<TBatch, MetricLog, Tensor> loss, TrainerOptions options, DataLoader<TBatch>? validation = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.ModelSpec is not null && (options.InputShape is null || options.NumClasses is null))
            throw new ArgumentException("trainer: a model spec is recorded with the input shape and the number of classes that rebuild it (TrainerOptions.InputShape, NumClasses)");
        if (train.BatchesPerEpoch == 0) throw new ArgumentException("trainer: the training loader yields no batch (an empty data set, or fewer samples than one batch with drop-last)");
        (Model, Optimizer, TrainingData, ValidationData, Options, _loss) = (model, optimizer, train, validation, options, loss);
        _generators = [.. FindDropouts(model).Select(d => d.Generator), .. options.Generators];
    }

    private static Func<TBatch, MetricLog, Tensor> Adapt(Func<TBatch, Tensor> loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        return (batch, _) => loss(batch);
    }

    /// <summary>The module being trained.</summary>
    public Module Model { get; }
    /// <summary>The optimizer.</summary>
    public Optimizer Optimizer { get; }
    /// <summary>The training batches.</summary>
    public DataLoader<TBatch> TrainingData { get; }
    /// <summary>The validation batches, or null.</summary>
    public DataLoader<TBatch>? ValidationData { get; }
    /// <summary>The options.</summary>
    public TrainerOptions Options { get; }

    /// <summary>Finished epochs, including those of the run a checkpoint was resumed from.</summary>
    public int CompletedEpochs => _state.CompletedEpochs;

    /// <summary>Batches already trained in the epoch after <see cref="CompletedEpochs"/> (non-zero after resuming an interrupted epoch).</summary>
    public int BatchesIntoEpoch => _state.BatchesIntoEpoch;

    /// <summary>The figures of every finished epoch.</summary>
    public IReadOnlyList<EpochMetrics> History => _state.History;

    private int GeneratorWordCount => Generator.StateLength * ((TrainingData.Generator is null ? 0 : 1) + _generators.Length);

    /// <summary>
    /// Continues from a checkpoint written by a trainer: loads the weights into <see cref="Model"/> (by state-dict name,
    /// shape-checked), the optimizer's state (same kind), the progress and the generators' states. The progress and
    /// generators are checked before anything changes; a missing or corrupt file, or weights that do not fit, throw
    /// with a message naming the file and what is wrong.
    /// </summary>
    public void Resume(string checkpointPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(checkpointPath);
        string source = $"checkpoint '{checkpointPath}'";
        if (!File.Exists(checkpointPath)) throw new FileNotFoundException($"{source} does not exist", checkpointPath);
        var checkpoint = Checkpoint.Read(checkpointPath);
        var state = TrainingState.FromJson(checkpoint.Metadata.TrainingConfigJson, source);
        state.CheckFits(TrainingData.BatchesPerEpoch, source);
        var words = checkpoint.Metadata.GeneratorState;
        if (words is null || words.Length != GeneratorWordCount)
            throw new InvalidDataException(
                $"{source}: holds {words?.Length ?? 0} generator state words; this run ({(TrainingData.Generator is null ? "no" : "a")} data generator, {_generators.Length} dropout or extra generators) needs {GeneratorWordCount}");
        checkpoint.CheckOptimizerKind(Optimizer);
        checkpoint.RestoreModel(Model, source);
        checkpoint.RestoreOptimizer(Optimizer);
        int at = 0;
        if (TrainingData.Generator is { } data)
        {
            data.SetState(words.AsSpan(0, Generator.StateLength));
            at = Generator.StateLength;
        }
        foreach (var generator in _generators)
        {
            generator.SetState(words.AsSpan(at, Generator.StateLength));
            at += Generator.StateLength;
        }
        _state = state;
    }

    /// <summary>
    /// Trains until <see cref="TrainerOptions.Epochs"/> epochs are finished or <paramref name="cancellation"/> is
    /// signalled; cancellation is honoured before the next batch, and the checkpoint then written records the position
    /// inside the epoch. With an output directory, the checkpoint, metrics and reports are rewritten after every epoch.
    /// </summary>
    /// <exception cref="TrainingDivergedException">The loss became NaN or infinite (the message names the epoch and batch).</exception>
    public TrainingResult Run(ITrainingProgress? progress = null, CancellationToken cancellation = default)
    {
        int batchesPerEpoch = TrainingData.BatchesPerEpoch;
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
            // Open draws the epoch's order from the loader's generator; its state from before the draw is what a
            // checkpoint inside this epoch must hold, so that resuming draws the same batches and skips the trained ones.
            _epochStartDataState = TrainingData.Generator?.GetState();
            using (var batches = TrainingData.Open())
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
                    int count = batches.CurrentCount;
                    long before = GC.GetAllocatedBytesForCurrentThread();
                    double loss = Step(batches.Current, (epoch - 1) * batchesPerEpoch + _state.BatchesIntoEpoch);
                    long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                    // The first steps allocate the gradients and fill the buffer pool; they are not the steady state.
                    if (++stepsThisSession > Math.Min(50, batchesPerEpoch)) allocations.Add(allocated);
                    if (!double.IsFinite(loss))
                        throw new TrainingDivergedException(
                            $"training diverged: the loss became {loss} in epoch {epoch}, batch {_state.BatchesIntoEpoch + 1}; try a smaller learning rate" +
                            (Options.DetectAnomaly ? "" : ", or run again with anomaly detection (train --detect-anomaly; TrainerOptions.DetectAnomaly) to find the operator that produced it"));
                    _state.BatchesIntoEpoch++;
                    _state.EpochLossSum += loss * count;
                    _state.EpochSamples += count;
                    samplesTrained += count;
                    progress?.BatchFinished(_state.BatchesIntoEpoch, (int)_state.EpochSamples,
                        _state.EpochLossSum / _state.EpochSamples, _state.EpochMetricLog[MetricLog.Accuracy]);
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

            // Not cancellable: a signal during validation is seen before the next batch, where a checkpoint is written.
            var validation = ValidationData is null ? null : Evaluate(ValidationData);
            _state.EpochSeconds += Stopwatch.GetElapsedTime(epochStart).TotalSeconds;
            var trainMetrics = _state.EpochMetricLog.Means();
            var metrics = new EpochMetrics(epoch, _state.EpochLossSum / _state.EpochSamples, _state.EpochMetricLog[MetricLog.Accuracy],
                validation?.Loss ?? double.NaN, validation?.Metrics.GetValueOrDefault(MetricLog.Accuracy, double.NaN) ?? double.NaN, _state.EpochSeconds)
            {
                TrainMetrics = trainMetrics,
                TestMetrics = validation?.Metrics ?? new Dictionary<string, double>(),
            };
            double samplesPerSecond = _state.EpochSamples / Math.Max(_state.EpochTrainingSeconds, 1e-9);
            _state.History.Add(metrics);
            _state.StartNextEpoch();
            _epochStartDataState = TrainingData.Generator?.GetState();
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

    /// <summary>
    /// Runs the loss function over every batch of <paramref name="data"/> in evaluation mode, without gradients (one
    /// <see cref="TensorScope"/> per batch), and returns the mean loss and metrics, weighted by the batches' sample counts.
    /// The model is returned to the mode it was in.
    /// </summary>
    public ValidationResult Evaluate(DataLoader<TBatch> data, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        bool wasTraining = Model.IsTraining;
        Model.Eval();
        _validationLog.Clear();
        double lossSum = 0;
        long samples = 0;
        try
        {
            using var noGrad = Autograd.NoGrad();
            using var batches = data.Open();
            while (batches.MoveNext())
            {
                cancellation.ThrowIfCancellationRequested();
                int count = batches.CurrentCount;
                using (TensorScope.Begin()) lossSum += LossValue(_loss(batches.Current, _validationLog), "validation") * count;
                samples += count;
            }
        }
        finally
        {
            Model.Train(wasTraining);
        }
        return new ValidationResult(samples == 0 ? double.NaN : lossSum / samples, _validationLog.Means(), samples);
    }

    /// <summary>One optimizer step on <paramref name="batch"/>; returns the batch's loss.</summary>
    private double Step(TBatch batch, int stepIndex)
    {
        Options.Schedule?.Apply(Optimizer, stepIndex);
        Optimizer.ZeroGrad();
        double loss;
        if (Options.RecycleBuffers)
        {
            using var scope = TensorScope.Begin();
            loss = ForwardBackward(batch);
        }
        else
        {
            loss = ForwardBackward(batch);
        }
        if (Options.MaxGradientNorm is { } maxNorm) GradientClipping.ClipByGlobalNorm(Optimizer.Parameters, maxNorm);
        // Outside the scope: the optimizer's state lives across steps and must not come from the pool.
        Optimizer.Step();
        return loss;
    }

    private double ForwardBackward(TBatch batch)
    {
        using var anomaly = Options.DetectAnomaly ? Autograd.DetectAnomaly() : default;
        var loss = _loss(batch, _state.EpochMetricLog);
        double value = LossValue(loss, "training");
        // A diverged loss is reported by the caller with the epoch and batch; its backward would only spread the NaN.
        if (double.IsFinite(value)) loss.Backward();
        return value;
    }

    private static double LossValue(Tensor loss, string phase)
    {
        if (loss is null) throw new InvalidOperationException($"trainer: the loss function returned null in {phase}");
        if (loss.Numel != 1)
            throw new InvalidOperationException($"trainer: the loss function returned a tensor of shape {Shapes.Format(loss.ShapeArray)} in {phase}; a loss is one number (reduce it with Mean or Sum)");
        return loss.Item();
    }

    /// <summary>Writes the checkpoint, metrics and reports; returns the checkpoint's path (null without an output directory).</summary>
    private string? WriteOutputs()
    {
        if (Options.OutputDirectory is null) return null;
        var directory = new RunDirectory(Options.OutputDirectory);
        var parameters = Model.Parameters();
        var metadata = new CheckpointMetadata
        {
            ModelSpec = Options.ModelSpec,
            InputShape = Options.InputShape,
            NumClasses = Options.NumClasses,
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
        var words = new List<ulong>(GeneratorWordCount);
        if (_epochStartDataState is not null) words.AddRange(_epochStartDataState);
        foreach (var g in _generators) words.AddRange(g.GetState());
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
