namespace Backprop;

/// <summary>
/// Checks forward-mode derivatives, in float64: the Jacobian-vector product <see cref="Functional.Jvp(Func{Tensor[], Tensor}, Tensor[], Tensor[], bool)"/>
/// along fixed random directions v against the central difference of f along v, (f(x + εv) − f(x − εv)) / 2ε, element
/// by element of the output.
/// </summary>
/// <remarks>
/// One directional difference checks every output element against all inputs at once, so a wrong tangent of any
/// input shows. As with <see cref="GradCheck"/>, an element passes only when both derivatives are finite and agree.
/// </remarks>
public static class JvpCheck
{
    /// <summary>
    /// Runs <paramref name="function"/> on float64 copies of the floating-point <paramref name="inputs"/> (int32
    /// inputs are passed as they are and get no tangent) and compares the tangent with central differences.
    /// </summary>
    /// <returns>One report, for the output (Input 0, the output's shape).</returns>
    public static GradCheckResult Check(Func<Tensor[], Tensor> function, Tensor[] inputs, double epsilon = 1e-6,
        double absoluteTolerance = 1e-5, double relativeTolerance = 1e-3)
    {
        var x = new Tensor[inputs.Length];
        var positions = new List<int>();
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i].DType.IsFloatingPoint())
            {
                x[i] = inputs[i].Detach().CastData(DType.Float64).CopyData();
                positions.Add(i);
            }
            else x[i] = inputs[i];
        }
        if (positions.Count == 0) throw new ArgumentException("JvpCheck: no floating-point input to check", nameof(inputs));

        var random = new Generator(20261203);
        var directions = positions.Select(p => Tensor.Uniform(x[p].ShapeArray, -1, 1, random, DType.Float64)).ToArray();

        // f of the floating-point inputs only, with the others in their places.
        Tensor OfFloating(Tensor[] floating)
        {
            var all = (Tensor[])x.Clone();
            for (int k = 0; k < positions.Count; k++) all[positions[k]] = floating[k];
            return function(all).To(DType.Float64);
        }

        var point = positions.Select(p => x[p]).ToArray();
        // An input the output does not depend on has a zero tangent contribution, which the differences then confirm.
        var (_, tangent) = Functional.Jvp(OfFloating, point, directions, allowUnused: true);
        var analytic = tangent.ToDoubleArray();

        double[] Along(double step)
        {
            using var _ = Autograd.NoGrad();
            return OfFloating(point.Select((t, k) => t + directions[k] * step).ToArray()).ToDoubleArray();
        }
        var plus = Along(epsilon);
        var minus = Along(-epsilon);
        var numeric = new double[plus.Length];
        for (int j = 0; j < numeric.Length; j++) numeric[j] = (plus[j] - minus[j]) / (2 * epsilon);

        var report = GradCheck.CompareValues(0, tangent.ShapeArray, analytic, numeric, absoluteTolerance, relativeTolerance);
        return new GradCheckResult(report.Passed, [report]);
    }
}
