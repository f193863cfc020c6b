namespace Backprop.Teaching.Player;

/// <summary>One gradient a node received from one of the gates reading it.</summary>
/// <param name="From">The id of the gate that sent it.</param>
/// <param name="Value">The gradient it sent (already reduced to the node's shape).</param>
public sealed record RecordedArrival(int From, TensorSnapshot Value);

/// <summary>What a gate hands to one input: <c>downstream = upstream × local</c>, reduced over broadcast axes.</summary>
/// <param name="Input">The input's node id.</param>
/// <param name="Local">∂(gate)/∂(input) where it is one number (scalar gates); null for tensors and constants.</param>
/// <param name="Downstream">The gradient sent to the input, in the input's shape; null for an input that gets none.</param>
/// <param name="BeforeReduction">
/// Where the input was broadcast: the gradient in the gate's output shape, before it was summed over
/// <paramref name="ReducedAxes"/> into <paramref name="Downstream"/>; null otherwise.
/// </param>
/// <param name="ReducedAxes">The axes of the output shape that were summed away (empty where nothing was broadcast).</param>
public sealed record RecordedInputGradient(
    int Input,
    double? Local,
    TensorSnapshot? Downstream,
    TensorSnapshot? BeforeReduction = null,
    IReadOnlyList<int>? ReducedAxes = null);

/// <summary>One step of the backward pass, in the engine's order (reverse topological, from the output).</summary>
/// <param name="Node">The gate, or the leaf whose gradient is complete.</param>
/// <param name="Upstream">∂output/∂node: the sum of <paramref name="Arrivals"/> (1 at the output).</param>
/// <param name="Arrivals">What each gate reading the node sent, in forward order; several where the value feeds several gates.</param>
/// <param name="Inputs">For a gate, what it hands to each input; empty for a leaf.</param>
public sealed record RecordedStep(
    int Node,
    TensorSnapshot Upstream,
    IReadOnlyList<RecordedArrival> Arrivals,
    IReadOnlyList<RecordedInputGradient> Inputs);
