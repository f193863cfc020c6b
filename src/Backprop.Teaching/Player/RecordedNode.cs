namespace Backprop.Teaching.Player;

/// <summary>What a value of a recorded computation is.</summary>
public enum RecordedNodeKind
{
    /// <summary>An input the output is differentiated with respect to (a program's input, a tensor requiring a gradient).</summary>
    Input,
    /// <summary>A trainable parameter of a model (named by the model, e.g. <c>0.weight</c>).</summary>
    Parameter,
    /// <summary>A value that gets no gradient: a number in a program, a data batch, labels.</summary>
    Constant,
    /// <summary>The result of one operator: a gate.</summary>
    Operation,
}

/// <summary>One value of a <see cref="Recording"/>, with its forward value and the gradient of the output with respect to it.</summary>
/// <param name="Id">Position in forward (topological) order, from 0; what steps and inputs refer to.</param>
/// <param name="Label">How the node is shown: a name (<c>b</c>, <c>x</c>, <c>0.weight</c>), an expression (<c>2*w</c>) or an operator.</param>
/// <param name="Operator">The operator (<c>*</c>, <c>sigmoid</c>, <c>matmul</c>), or <c>input</c> / <c>parameter</c> / <c>constant</c>.</param>
/// <param name="Kind">Input, parameter, constant or operation.</param>
/// <param name="Module">The module path the node belongs to (<c>0</c>, <c>encoder.fc1</c>), or null at the top level.</param>
/// <param name="Inputs">The ids of the nodes an operation was computed from, in argument order; empty for the others.</param>
/// <param name="Value">The forward value.</param>
/// <param name="Gradient">∂output/∂node; null where the backward pass sent none (constants).</param>
/// <param name="Check">The finite-difference check of <paramref name="Gradient"/>, when one was asked for.</param>
public sealed record RecordedNode(
    int Id,
    string Label,
    string Operator,
    RecordedNodeKind Kind,
    string? Module,
    IReadOnlyList<int> Inputs,
    TensorSnapshot Value,
    TensorSnapshot? Gradient,
    NumericalCheck? Check = null);

/// <summary>
/// The analytic gradient of a node checked against central finite differences: for a scalar, (f(x+h) − f(x−h)) / 2h;
/// for a tensor, along one random direction v, (f(x+hv) − f(x−hv)) / 2h against Σ gradient·v.
/// </summary>
/// <param name="Analytic">What the backward pass says.</param>
/// <param name="Numerical">What the finite difference measures.</param>
/// <param name="Tolerance">The relative error allowed (looser in float32).</param>
public sealed record NumericalCheck(double Analytic, double Numerical, double Tolerance)
{
    /// <summary>|analytic − numerical| / max(1, |analytic|, |numerical|).</summary>
    public double RelativeError => Math.Abs(Analytic - Numerical) / Math.Max(1, Math.Max(Math.Abs(Analytic), Math.Abs(Numerical)));

    /// <summary>Whether the two agree within <see cref="Tolerance"/>.</summary>
    public bool Passed => RelativeError <= Tolerance;
}
