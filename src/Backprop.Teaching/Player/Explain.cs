using Backprop.Teaching.Expressions;

namespace Backprop.Teaching.Player;

/// <summary>
/// Records computations for the step-through player. <see cref="Record(Func{Tensor}, RecordOptions?)"/> takes any
/// computation on the engine — <c>Explain.Record(() =&gt; model.Forward(x).CrossEntropy(y), new(Model: model))</c> —
/// runs it forward and then the engine's own backward pass with an observer, and keeps every value, every gradient
/// and what each gate did. The program forms (<see cref="Program"/>, <see cref="Solve"/>, <see cref="Minimize"/>) record
/// what <c>backprop explain</c> and <c>backprop solve</c> compute. Write the result with <see cref="Recording.WriteHtml"/>.
/// </summary>
public static class Explain
{
    /// <summary>
    /// Runs <paramref name="computation"/> (which must return one number, such as a loss) and its backward pass, and
    /// records both. The tensors' <see cref="Tensor.Grad"/> are left as they were: the recording keeps the gradients.
    /// </summary>
    /// <exception cref="ArgumentException">The computation returned more than one number, or depends on no tensor requiring a gradient.</exception>
    public static Recording Record(Func<Tensor> computation, RecordOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(computation);
        return EngineRecorder.Record(computation, options ?? new RecordOptions());
    }

    /// <summary>
    /// The recording of an explained program: its nodes, the engine's backward steps, and the inputs it reads that the
    /// output does not depend on. With <paramref name="numericalCheck"/>, every node's gradient is checked against a
    /// central finite difference taken at that node (two more evaluations of the program per node).
    /// </summary>
    public static Recording Program(ExplainTrace trace, bool numericalCheck = false)
    {
        ArgumentNullException.ThrowIfNull(trace);
        return ProgramRecorder.Record(trace, numericalCheck);
    }

    /// <summary>
    /// The recording of a solve: the program's graph, and for every point the solve visited each node's value and
    /// gradient there, with the step taken (Δ) and the new output.
    /// </summary>
    /// <param name="result">What <see cref="Solver.Solve"/> returned.</param>
    /// <param name="program">The program that was solved.</param>
    /// <param name="start">The starting values (the ones not varied stay as they are).</param>
    /// <param name="outputName">The output option the solve was run with (null for the last statement).</param>
    public static Recording Solve(SolveResult result, ProgramSyntax program, IReadOnlyDictionary<string, double> start, string? outputName = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(start);
        return ProgramRecorder.RecordSolve(result, program, start, outputName);
    }

    /// <summary>
    /// The recording of a minimisation (<c>solve --minimize</c>): the program's graph, and for every point visited each
    /// node's value and gradient there, with the step taken (−lr·∇f, or Newton's −f′/f″ or H⁻¹·∇f) and the new output.
    /// </summary>
    /// <param name="result">What <see cref="Minimizer.Minimize"/> returned.</param>
    /// <param name="program">The program that was minimised.</param>
    /// <param name="start">The starting values (the ones not varied stay as they are).</param>
    /// <param name="outputName">The output option the minimisation was run with (null for the last statement).</param>
    public static Recording Minimize(MinimizeResult result, ProgramSyntax program, IReadOnlyDictionary<string, double> start, string? outputName = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(start);
        return ProgramRecorder.RecordMinimize(result, program, start, outputName);
    }
}
