using System.Globalization;
using Backprop.Teaching.Expressions;

namespace Backprop.Teaching.Player;

/// <summary>Turns the scalar programs of <c>explain</c> and <c>solve</c> into recordings.</summary>
internal static class ProgramRecorder
{
    public static Recording Record(ExplainTrace trace, bool numericalCheck)
    {
        EvaluatedProgram program = trace.Program;
        var values = program.Inputs.ToDictionary(input => input.Name!, input => input.Value, StringComparer.Ordinal);
        var nodes = program.Nodes.Select(node => new RecordedNode(
            node.Id, node.Label, node.Operator, KindOf(node), null, node.Inputs.Select(i => i.Id).ToList(),
            TensorSnapshot.Scalar(node.Value), trace.GradientOf(node) is { } g ? TensorSnapshot.Scalar(g) : null,
            numericalCheck ? Check(program, values, node, trace.GradientOf(node)) : null)).ToList();
        var steps = trace.Steps.Select(step => new RecordedStep(
            step.Node.Id,
            TensorSnapshot.Scalar(step.Upstream),
            step.Contributions.Select(c => new RecordedArrival(c.From.Id, TensorSnapshot.Scalar(c.Value))).ToList(),
            step.Inputs.Select(i => new RecordedInputGradient(i.Input.Id, i.Local, i.Downstream is { } d ? TensorSnapshot.Scalar(d) : null)).ToList()))
            .ToList();
        string at = program.Inputs.Count == 0 ? "" : "at " + string.Join(", ", program.Inputs.Select(i => $"{i.Name} = {Show(i.Value)}"));
        return new Recording(program.Syntax.OneLine, at.Length == 0 ? null : at, nodes, program.Output.Id, steps, trace.UnusedInputs);
    }

    public static Recording RecordSolve(SolveResult result, ProgramSyntax syntax, IReadOnlyDictionary<string, double> start, string? outputName)
    {
        (Recording first, List<SolveFrame> frames) = Replay(syntax, start, outputName, result.Varied, result.Iterations, row => new SolveFrame(
            row.Index, row.Values, row.Output, row.Error, row.Gradient, row.SecondDerivative is { } second ? [[second]] : null, [], []));
        var solve = new SolveRecording(SolveGoal.Target, result.Target, result.Method == SolveMethod.Halley ? "halley" : "newton", null,
            SolveText.StepRule(result), result.Varied, frames, SolveText.Outcome(result));
        string title = $"solve {result.OutputName} = {Show(result.Target)} by varying {string.Join(", ", result.Varied)}";
        return new Recording(title, syntax.OneLine, first.Nodes, first.Output, first.Backward, first.UnusedInputs, solve);
    }

    public static Recording RecordMinimize(MinimizeResult result, ProgramSyntax syntax, IReadOnlyDictionary<string, double> start, string? outputName)
    {
        (Recording first, List<SolveFrame> frames) = Replay(syntax, start, outputName, result.Varied, result.Iterations, row => new SolveFrame(
            row.Index, row.Values, row.Output, null, row.Gradient, row.Hessian is { } h ? Rows(h) : null, [], []));
        var solve = new SolveRecording(SolveGoal.Minimum, null, result.Method == MinimizeMethod.Newton ? "newton" : "gradient", result.LearningRate,
            MinimizeText.StepRule(result), result.Varied, frames, MinimizeText.Outcome(result));
        string title = $"minimise {result.OutputName} by varying {string.Join(", ", result.Varied)}";
        return new Recording(title, syntax.OneLine, first.Nodes, first.Output, first.Backward, first.UnusedInputs, solve);
    }

    // Every point a solve visited, run again through the engine for each node's value and gradient there (the graph is
    // the same at every point, so the first point's recording gives the nodes and the backward steps).
    private static (Recording First, List<SolveFrame> Frames) Replay<TRow>(ProgramSyntax syntax, IReadOnlyDictionary<string, double> start,
        string? outputName, IReadOnlyList<string> varied, IReadOnlyList<TRow> rows, Func<TRow, SolveFrame> frameOf)
    {
        var frames = new List<SolveFrame>(rows.Count);
        Recording? first = null;
        foreach (TRow row in rows)
        {
            SolveFrame frame = frameOf(row);
            var values = new Dictionary<string, double>(start, StringComparer.Ordinal);
            for (int i = 0; i < varied.Count; i++) values[varied[i]] = frame.Varied[i];
            ExplainTrace trace = ExplainTrace.Run(ProgramEvaluator.Evaluate(syntax, values, outputName));
            first ??= Record(trace, numericalCheck: false);
            frames.Add(frame with { Values = trace.Program.Nodes.Select(n => n.Value).ToList(), Gradients = trace.Program.Nodes.Select(trace.GradientOf).ToList() });
        }
        return (first!, frames);
    }

    private static double[][] Rows(double[,] matrix) =>
        Enumerable.Range(0, matrix.GetLength(0)).Select(i => Enumerable.Range(0, matrix.GetLength(1)).Select(j => matrix[i, j]).ToArray()).ToArray();

    private static RecordedNodeKind KindOf(ProgramNode node) => node.Kind switch
    {
        ProgramNodeKind.Input => RecordedNodeKind.Input,
        ProgramNodeKind.Constant => RecordedNodeKind.Constant,
        _ => RecordedNodeKind.Operation,
    };

    // ∂output/∂node by a central difference taken at the node itself: the program is evaluated again with the node's
    // value moved by ±h, so everything after it is recomputed. Constants get no gradient and no check.
    private static NumericalCheck? Check(EvaluatedProgram program, Dictionary<string, double> values, ProgramNode node, double? gradient)
    {
        if (gradient is not { } analytic || node.Kind == ProgramNodeKind.Constant) return null;
        double h = 1e-6 * Math.Max(1, Math.Abs(node.Value));
        string? output = OutputOption(program);
        try
        {
            double plus = ProgramEvaluator.EvaluatePerturbed(program.Syntax, values, output, (node.Id, h)).Value;
            double minus = ProgramEvaluator.EvaluatePerturbed(program.Syntax, values, output, (node.Id, -h)).Value;
            return new NumericalCheck(analytic, (plus - minus) / (2 * h), 1e-5);
        }
        catch (ProgramDomainException)
        {
            return null; // a step of h leaves an operator's domain (sqrt at 0): no difference to take
        }
    }

    // The output option that picks the same output again: its name when it is assigned or read, else the last statement.
    private static string? OutputOption(EvaluatedProgram program)
    {
        bool named = program.Syntax.Statements.OfType<Assignment>().Any(a => a.Name == program.OutputName) || program.Input(program.OutputName) is not null;
        return named ? program.OutputName : null;
    }

    private static string Show(double value) => value.ToString("G10", CultureInfo.InvariantCulture).Replace('E', 'e');
}
