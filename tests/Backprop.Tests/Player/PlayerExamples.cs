using Backprop.Datasets;
using Backprop.NN;
using Backprop.Teaching.Expressions;
using Backprop.Teaching.Player;

namespace Backprop.Tests.Player;

/// <summary>
/// The players committed under docs/players: one for every seed example of docs/tutorial.md (explain with the
/// numerical check, each solve and minimisation) and the two-layer network on one digit image. Made here with the library calls
/// the CLI makes; <c>tools/make-players.sh</c> rewrites the files, <see cref="PlayerFilesTests"/> checks they are current.
/// </summary>
internal static class PlayerExamples
{
    public sealed record Example(string File, Func<Recording> Make);

    /// <summary>A minimisation of docs/tutorial.md §8, kept apart so the browser tests can run the engine on it too.</summary>
    public sealed record Minimization(string File, string Program, MinimizeOptions Options, string[] Vary, params (string Name, double Value)[] At)
    {
        public MinimizeResult Run() => Minimizer.Minimize(Parser.Parse(Program), Values(At), Vary, Options);

        public Recording Record() => Explain.Minimize(Run(), Parser.Parse(Program), Values(At));
    }

    // Before All, which reads it (static fields are initialised in the order they are written).
    public static IReadOnlyList<Minimization> Minimizations { get; } =
    [
        new("minimize-gradient.html", "f = (w - 3)^2 + 2*(b + 1)^2", new(MinimizeMethod.GradientDescent, LearningRate: 0.25), ["w", "b"], ("w", 0), ("b", 0)),
        new("minimize-newton.html", "f = (1 - x)^2 + 10*(y - x^2)^2", new(MinimizeMethod.Newton), ["x", "y"], ("x", -1), ("y", 1)),
        new("minimize-newton-1d.html", "f = x - ln(x)", new(MinimizeMethod.Newton), ["x"], ("x", 0.5)),
    ];

    public static IReadOnlyList<Example> All { get; } =
    [
        ExplainExample("circuit.html", "x = 2*w + 3*b; y = 2*b + 1; z = x*y", ("w", 3), ("b", 4)),
        SolveExample("circuit-solve-w.html", "x = 2*w + 3*b; y = 2*b + 1; z = x*y", 150, ["w"], ("w", 3), ("b", 4)),
        SolveExample("circuit-solve-wb.html", "x = 2*w + 3*b; y = 2*b + 1; z = x*y", 150, ["w", "b"], ("w", 3), ("b", 4)),
        ExplainExample("chain.html", "A = X + 1; B = A^2; C = ln(B); D = sqrt(C); E = D - 1", ("X", 2)),
        SolveExample("chain-solve.html", "A = X + 1; B = A^2; C = ln(B); D = sqrt(C); E = D - 1", 0.5, ["X"], ("X", 2)),
        SolveExample("square-solve.html", "y = x^2", 4, ["x"], ("x", 1.99)),
        SolveExample("root-log-solve.html", "a = x^2; b = ln(a); c = sqrt(b)", 2.13, ["x"], ("x", 2)),
        ExplainExample("add-multiply.html", "f = (x + y)*z", ("x", -2), ("y", 5), ("z", -4)),
        ExplainExample("sigmoid.html", "sigmoid(w0*x0 + w1*x1 + w2)", ("w0", 2), ("w1", -3), ("w2", -3), ("x0", -1), ("x1", -2)),
        ExplainExample("max.html", "max(x, y)", ("x", 4), ("y", 2)),
        ExplainExample("reassignment.html", "c = a + b; c = c + c + 1", ("a", 1), ("b", 2)),
        ExplainExample("unused-input.html", "v1 = sqrt(1 + v1^2); out = v2 * 3", ("v1", 1), ("v2", 2)),
        .. Minimizations.Select(m => new Example(m.File, m.Record)),
        new Example("digits-two-layer.html", DigitNetwork),
    ];

    public static Example Named(string file) => All.Single(e => e.File == file);

    private static Example ExplainExample(string file, string program, params (string Name, double Value)[] at) =>
        new(file, () => Explain.Program(ExplainTrace.Run(ProgramEvaluator.Evaluate(Parser.Parse(program), Values(at))), numericalCheck: true));

    private static Example SolveExample(string file, string program, double target, string[] vary, params (string Name, double Value)[] at) =>
        new(file, () =>
        {
            ProgramSyntax syntax = Parser.Parse(program);
            SolveResult result = Solver.Solve(syntax, Values(at), target, vary, new SolveOptions());
            return Explain.Solve(result, syntax, Values(at));
        });

    private static Dictionary<string, double> Values((string Name, double Value)[] at) =>
        at.ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);

    /// <summary>
    /// The seed texts' two-layer network (affine, ReLU, affine, softmax cross-entropy) in float64 at its seeded
    /// initialisation, on the first image of the embedded digits: 64 pixels, 16 hidden units, 10 classes.
    /// </summary>
    public static Recording DigitNetwork()
    {
        var generator = new Generator(0);
        var model = new Sequential(new Linear(64, 16, generator, dtype: DType.Float64), new ReLU(), new Linear(16, 10, generator, dtype: DType.Float64));
        var (features, label) = Digits.Load().Flattened()[0];
        Tensor image = features.Reshape(1, 64).To(DType.Float64);
        int[] labels = [label.ToArray<int>()[0]];
        return Explain.Record(() => model.Forward(image).CrossEntropy(labels),
            new RecordOptions($"a two-layer network on one digit image (a {labels[0]})", model,
                new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance) { [image] = "image" }, NumericalCheck: true));
    }
}
