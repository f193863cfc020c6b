namespace Backprop.Teaching.Expressions;

/// <summary>
/// First and second derivatives of an evaluated program's output with respect to some of its inputs, both from the
/// engine: the gradient is computed with <c>createGraph: true</c>, so it is itself a recorded computation, and the
/// second derivatives are that computation differentiated again — never a second calculator.
/// </summary>
internal static class ProgramDerivatives
{
    /// <summary>
    /// ∂output/∂input for each of <paramref name="names"/> (null where the output does not depend on the input, or is a
    /// constant); with <paramref name="createGraph"/> as graph-connected tensors that <see cref="Hessian"/> can differentiate.
    /// </summary>
    public static Tensor?[] Gradient(EvaluatedProgram evaluated, IReadOnlyList<string> names, bool createGraph = true)
    {
        Tensor? output = evaluated.Output.Tensor;
        Tensor[] inputs = InputTensors(evaluated, names);
        // A constant output (it reads none of the inputs) has no graph; its gradient is zero everywhere.
        if (!output.RequiresGrad)
            return new Tensor?[names.Count];
        return Autograd.Grad(output, inputs, createGraph: createGraph, allowUnused: true);
    }

    /// <summary>The gradient's values, 0 for an input the output does not depend on.</summary>
    public static double[] Values(Tensor?[] gradient) => gradient.Select(g => g?.Item() ?? 0).ToArray();

    /// <summary>
    /// The Hessian ∂²output/∂inputᵢ∂inputⱼ: row i is the gradient of ∂output/∂inputᵢ, differentiated by the engine.
    /// A gradient that is a constant of the graph (a linear dependence) gives a row of zeros.
    /// </summary>
    public static double[,] Hessian(EvaluatedProgram evaluated, IReadOnlyList<string> names, Tensor?[] gradient)
    {
        Tensor[] inputs = InputTensors(evaluated, names);
        var hessian = new double[names.Count, names.Count];
        for (int i = 0; i < names.Count; i++)
        {
            if (gradient[i] is not { RequiresGrad: true } row)
                continue;
            // The graph is kept: every row differentiates the same recorded gradient computation.
            Tensor?[] second = Autograd.Grad(row, inputs, retainGraph: true, allowUnused: true);
            for (int j = 0; j < names.Count; j++)
                hessian[i, j] = second[j]?.Item() ?? 0;
        }
        return hessian;
    }

    private static Tensor[] InputTensors(EvaluatedProgram evaluated, IReadOnlyList<string> names) =>
        names.Select(name => evaluated.Input(name)?.Tensor
            ?? throw new InvalidOperationException($"internal: '{name}' is not an input of the evaluated program")).ToArray();
}
