using Backprop.Optim;

namespace Backprop.Training;

/// <summary>How a <see cref="Trainer{TBatch}"/> runs: epochs, learning-rate schedule, evaluation and output.</summary>
public sealed record TrainerOptions
{
    /// <summary>The number of epochs (passes over the training set) the run ends after, counting resumed ones.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Samples per training batch for <see cref="Trainer.Classifier"/> (other trainers take their loader's); the last batch of an epoch may be smaller.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Seed of the generator that draws each epoch's order of the training samples in <see cref="Trainer.Classifier"/> (other trainers use their loader's generator).</summary>
    public ulong Seed { get; init; }

    /// <summary>
    /// The learning rate per optimizer step t = epoch · batchesPerEpoch + batch (0-based, counted across epochs), set
    /// before every step. Null keeps the optimizer's rate. A schedule is a function of t only, so a resumed run gets
    /// exactly the rates it would have had.
    /// </summary>
    public LearningRateSchedule? Schedule { get; init; }

    /// <summary>When set, gradients are clipped to this global L2 norm before each step.</summary>
    public double? MaxGradientNorm { get; init; }

    /// <summary>Samples per batch when <see cref="Trainer.Classifier"/> evaluates the test set (larger is faster; memory grows with it).</summary>
    public int EvaluationBatchSize { get; init; } = 250;

    /// <summary>
    /// Where <c>model.safetensors</c>, <c>metrics.csv</c> and the <see cref="Reports"/> are written, atomically, after every
    /// epoch and when interrupted. Null writes nothing.
    /// </summary>
    public string? OutputDirectory { get; init; }

    /// <summary>
    /// The model's spec text (see <see cref="NN.ModelSpec"/>), recorded so that <see cref="Serialization.Checkpoint.Load"/>
    /// can rebuild the model from the file alone. Without it the checkpoint loads into a model the caller builds
    /// (<see cref="Serialization.Checkpoint.LoadInto"/>, <see cref="Trainer{TBatch}.Resume"/>).
    /// </summary>
    public string? ModelSpec { get; init; }

    /// <summary>The shape of one input sample, recorded in the checkpoint (needed with <see cref="ModelSpec"/> to rebuild the model).</summary>
    public int[]? InputShape { get; init; }

    /// <summary>The number of classes (model outputs), recorded in the checkpoint (needed with <see cref="ModelSpec"/> to rebuild the model).</summary>
    public int? NumClasses { get; init; }

    /// <summary>
    /// Generators besides the dropout layers' (which are found in the model) whose states checkpoints save and resuming
    /// restores, such as one a module of the caller's draws noise from.
    /// </summary>
    public IReadOnlyList<Generator> Generators { get; init; } = [];

    /// <summary>
    /// The run's settings as a JSON object, stored in the checkpoint's <c>training_config</c> with the trainer's own
    /// <c>progress</c> object added (which resuming reads back). Null stores only the progress.
    /// </summary>
    public string? ConfigJson { get; init; }

    /// <summary>Files rewritten beside the checkpoint after every epoch (for example the curves picture).</summary>
    public IReadOnlyList<IRunReport> Reports { get; init; } = [];

    /// <summary>In <see cref="Trainer.Classifier"/>, prepare the next batch on a worker thread while the current one trains (same batches either way).</summary>
    public bool Prefetch { get; init; } = true;

    /// <summary>
    /// Run each step's forward and backward pass in a <see cref="TensorScope"/> so tensor buffers are recycled. The
    /// results are bit-identical either way; turning it off only costs allocations (and lets tests prove that).
    /// </summary>
    public bool RecycleBuffers { get; init; } = true;

    /// <summary>
    /// Run each step's forward and backward pass in anomaly mode (<see cref="Autograd.DetectAnomaly"/>): the first NaN
    /// or ±∞ stops training with an <see cref="AnomalyException"/> naming the operator, the element, the module path and
    /// the source line. Much slower; for finding where a loss turns non-finite.
    /// </summary>
    public bool DetectAnomaly { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that is out of range.</summary>
    public void Validate()
    {
        if (Epochs <= 0) throw new ArgumentException($"trainer: epochs must be positive, got {Epochs}");
        if (BatchSize <= 0) throw new ArgumentException($"trainer: the batch size must be positive, got {BatchSize}");
        if (EvaluationBatchSize <= 0) throw new ArgumentException($"trainer: the evaluation batch size must be positive, got {EvaluationBatchSize}");
        if (MaxGradientNorm is { } n && !(n > 0)) throw new ArgumentException($"trainer: the maximum gradient norm must be positive, got {n}");
    }
}
