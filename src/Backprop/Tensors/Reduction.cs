namespace Backprop;

/// <summary>How a loss combines its per-element (or per-row) terms, as PyTorch's <c>reduction</c> argument.</summary>
public enum Reduction
{
    /// <summary>The mean: of the terms, or for a class-weighted loss the sum divided by the weights of the counted targets.</summary>
    Mean,
    /// <summary>The sum of the terms.</summary>
    Sum,
    /// <summary>No reduction: one term per element (or per row), in the shape of the targets.</summary>
    None,
}
