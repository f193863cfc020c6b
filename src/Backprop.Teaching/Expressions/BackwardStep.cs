namespace Backprop.Teaching.Expressions;

/// <summary>Whether a backward step ran a gate or delivered a gradient to an input.</summary>
public enum BackwardStepKind
{
    /// <summary>A gate turned its upstream gradient into gradients for its inputs.</summary>
    Gate,
    /// <summary>A gradient arrived at an input (a leaf of the graph) and was stored.</summary>
    Leaf,
}

/// <summary>One gradient handed to a node by one of the gates it feeds.</summary>
/// <param name="From">The gate that sent it (it consumed <c>Node</c>'s value).</param>
/// <param name="Value">The gradient it sent.</param>
public sealed record GradientContribution(ProgramNode From, double Value);

/// <summary>What a gate hands to one of its inputs: <c>downstream = upstream × local</c>.</summary>
/// <param name="Input">The input node.</param>
/// <param name="Local">∂(gate output)/∂(input) at the forward values, or null for a constant (which gets no gradient).</param>
/// <param name="Downstream">The gradient sent to the input, or null for a constant.</param>
public sealed record GateInputGradient(ProgramNode Input, double? Local, double? Downstream);

/// <summary>One step of the backward pass, in the order the engine ran it.</summary>
/// <param name="Kind">Gate or leaf.</param>
/// <param name="Node">The gate, or the input that received its gradient.</param>
/// <param name="Upstream">
/// The gradient of the output with respect to <paramref name="Node"/>: what arrived at the gate's output,
/// or the leaf's final gradient. 1 for the output itself.
/// </param>
/// <param name="Contributions">
/// The gradients that were summed into <paramref name="Upstream"/>, one per gate that reads the node, in program
/// order; more than one where a value feeds several gates (the multivariable chain rule). Empty for the output.
/// </param>
/// <param name="Inputs">For a gate, what it hands to each input, in argument order; empty for a leaf.</param>
public sealed record BackwardStep(
    BackwardStepKind Kind,
    ProgramNode Node,
    double Upstream,
    IReadOnlyList<GradientContribution> Contributions,
    IReadOnlyList<GateInputGradient> Inputs);
