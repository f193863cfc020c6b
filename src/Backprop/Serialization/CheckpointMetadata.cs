namespace Backprop.Serialization;

/// <summary>
/// What a checkpoint records besides tensors: enough to resume, and (for the CLI's models, with <see cref="ModelSpec"/>,
/// <see cref="InputShape"/> and <see cref="NumClasses"/>) to rebuild the model from the file alone. A module of the
/// caller's needs none of the three: its checkpoint loads into a module the caller builds.
/// </summary>
public sealed record CheckpointMetadata
{
    /// <summary>The model spec text (see <see cref="NN.ModelSpec"/>), e.g. "mlp:256,128"; null for a module of the caller's.</summary>
    public string? ModelSpec { get; init; }
    /// <summary>The shape of one sample, without the batch axis, e.g. [1, 28, 28] or [784]; null when not recorded.</summary>
    public int[]? InputShape { get; init; }
    /// <summary>The number of classes (model outputs); null when not recorded.</summary>
    public int? NumClasses { get; init; }
    /// <summary>The parameters' dtype.</summary>
    public DType DType { get; init; } = DType.Float32;
    /// <summary>The training configuration as JSON text (stored verbatim; must be valid JSON), or null.</summary>
    public string? TrainingConfigJson { get; init; }
    /// <summary>Completed epochs.</summary>
    public int Epoch { get; init; }
    /// <summary>The training generator's state (<see cref="Generator.GetState"/>), or null.</summary>
    public ulong[]? GeneratorState { get; init; }
    /// <summary>The optimizer's type name ("Sgd", "Adam", "AdamW") when its state is saved; set by <see cref="Checkpoint.Save"/>.</summary>
    public string? Optimizer { get; init; }
}
