namespace Backprop.Teaching.Player;

/// <summary>What a recorded solve looked for.</summary>
public enum SolveGoal
{
    /// <summary>An output equal to a target (<c>solve --target</c>).</summary>
    Target,
    /// <summary>The smallest output, where its gradient is 0 (<c>solve --minimize</c>).</summary>
    Minimum,
}

/// <summary>One point of a <c>solve</c>: the inputs, the output there and every node's value and gradient.</summary>
/// <param name="Index">0 for the start, then 1, 2, ... after each step.</param>
/// <param name="Varied">The varied inputs' values, in <see cref="SolveRecording.Varied"/> order.</param>
/// <param name="Output">The output at this point.</param>
/// <param name="Error">Output − target; null when minimising.</param>
/// <param name="Gradient">∂output/∂(each varied input) here.</param>
/// <param name="Hessian">
/// ∂²output/∂θᵢ∂θⱼ here (row i, column j) where the method uses second derivatives (Halley, Newton when minimising;
/// for one input the 1 × 1 matrix f″); null otherwise.
/// </param>
/// <param name="Values">Every node's value here, by node id (the graph is the same at every point).</param>
/// <param name="Gradients">Every node's gradient here, by node id (null where none).</param>
public sealed record SolveFrame(
    int Index,
    IReadOnlyList<double> Varied,
    double Output,
    double? Error,
    IReadOnlyList<double> Gradient,
    IReadOnlyList<IReadOnlyList<double>>? Hessian,
    IReadOnlyList<double> Values,
    IReadOnlyList<double?> Gradients);

/// <summary>A solve to play: what it looked for, how it stepped, the varied inputs and one frame per point visited.</summary>
/// <param name="Goal">A target or a minimum.</param>
/// <param name="Target">The output value asked for; null when minimising.</param>
/// <param name="Method">How each step was made, as <c>--method</c> names it: newton, halley or gradient.</param>
/// <param name="LearningRate">Gradient descent's step size; null for the other methods.</param>
/// <param name="Rule">The step in one line, as the command's table heads it ("each step Δw = (150 − z) / (∂z/∂w)").</param>
/// <param name="Varied">The names of the varied inputs.</param>
/// <param name="Frames">The points, start first.</param>
/// <param name="Outcome">The closing line ("converged after 3 steps: ...", or why it stopped).</param>
public sealed record SolveRecording(
    SolveGoal Goal,
    double? Target,
    string Method,
    double? LearningRate,
    string Rule,
    IReadOnlyList<string> Varied,
    IReadOnlyList<SolveFrame> Frames,
    string Outcome);
