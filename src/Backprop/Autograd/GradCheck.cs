namespace Backprop;

/// <summary>How the analytic gradient of one input compared with central differences.</summary>
/// <param name="Input">The input's position in the argument list.</param>
/// <param name="Shape">The input's shape.</param>
/// <param name="MaxAbsError">The largest |analytic − numeric| over the input's elements.</param>
/// <param name="MaxRelError">The largest |analytic − numeric| / max(|numeric|, 1e-8).</param>
/// <param name="WorstIndex">Where the worst element is (multi-index), by the pass criterion.</param>
/// <param name="Analytic">The analytic gradient at the worst element.</param>
/// <param name="Numeric">The numerical gradient at the worst element.</param>
/// <param name="Passed">
/// Whether every element had a finite analytic and numerical derivative with |a − n| ≤ atol + rtol·|n|.
/// </param>
public sealed record GradCheckInputReport(int Input, int[] Shape, double MaxAbsError, double MaxRelError, int[] WorstIndex,
    double Analytic, double Numeric, bool Passed);

/// <summary>The outcome of <see cref="GradCheck.Check"/>.</summary>
public sealed record GradCheckResult(bool Passed, IReadOnlyList<GradCheckInputReport> Inputs)
{
    /// <summary>The largest absolute error over all inputs.</summary>
    public double MaxAbsError => Inputs.Count == 0 ? 0 : Inputs.Max(i => i.MaxAbsError);

    /// <summary>The largest relative error over all inputs.</summary>
    public double MaxRelError => Inputs.Count == 0 ? 0 : Inputs.Max(i => i.MaxRelError);

    /// <inheritdoc/>
    public override string ToString() => string.Join("; ", Inputs.Select(i =>
        $"input {i.Input} {Shapes.Format(i.Shape)}: max abs {i.MaxAbsError:G3}, max rel {i.MaxRelError:G3} at {Shapes.Format(i.WorstIndex)} (analytic {i.Analytic:G6}, numeric {i.Numeric:G6}) {(i.Passed ? "ok" : "FAILED")}"));
}

/// <summary>
/// Checks back-propagated gradients against central differences, in float64: for each input element x,
/// (f(x+ε) − f(x−ε)) / 2ε. A non-scalar output is reduced to Σ f(x)·r with fixed random weights r, so every
/// output element takes part.
/// </summary>
/// <remarks>
/// An element passes only when both derivatives are finite numbers that agree. Where either is NaN or infinite
/// nothing has been verified, so the element fails, with an infinite error in the report: a NaN or infinite
/// numerical derivative against a finite analytic one (x ± ε left the function's domain, or f overflowed there),
/// the reverse (the backward pass produced NaN or ∞ where f is smooth), and also two NaNs (a point where f itself is
/// undefined) or two equal infinities. Pick points inside the domain, at least ε away from its edges.
/// </remarks>
public static class GradCheck
{
    /// <summary>
    /// Runs <paramref name="function"/> on float64 copies of the floating-point <paramref name="inputs"/> (int32 inputs are
    /// passed as they are and not checked) and compares gradients element by element.
    /// </summary>
    /// <param name="function">The computation; it must use only its arguments and constants.</param>
    /// <param name="inputs">Where to check; their values are copied, not changed.</param>
    /// <param name="epsilon">The finite-difference step.</param>
    /// <param name="absoluteTolerance">atol in |a − n| ≤ atol + rtol·|n|.</param>
    /// <param name="relativeTolerance">rtol in |a − n| ≤ atol + rtol·|n|.</param>
    public static GradCheckResult Check(Func<Tensor[], Tensor> function, Tensor[] inputs, double epsilon = 1e-6,
        double absoluteTolerance = 1e-5, double relativeTolerance = 1e-3)
    {
        var x = new Tensor[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i].DType.IsFloatingPoint())
            {
                x[i] = inputs[i].Detach().CastData(DType.Float64).CopyData();
                x[i].RequiresGrad = true;
            }
            else x[i] = inputs[i];
        }

        Tensor? weights = null;
        double Objective(bool record)
        {
            using var scope = record ? default(NoGradScope?) : Autograd.NoGrad();
            var y = function(x).To(DType.Float64);
            weights ??= y.Numel == 1 ? null : Tensor.Uniform(y.ShapeArray, 0.5, 1.5, new Generator(20261122), DType.Float64);
            var objective = weights is null ? y.Sum() : (y * weights).Sum();
            if (record) objective.Backward();
            return objective.Item();
        }

        Objective(record: true);
        var reports = new List<GradCheckInputReport>();
        for (int i = 0; i < x.Length; i++)
        {
            if (!x[i].DType.IsFloatingPoint()) continue;
            var analytic = x[i].Grad?.ToDoubleArray() ?? new double[x[i].Numel];
            reports.Add(CompareElements(i, x[i], analytic, () => Objective(record: false), epsilon, absoluteTolerance, relativeTolerance));
        }
        return new GradCheckResult(reports.All(r => r.Passed), reports);
    }

    /// <summary>
    /// Compares an analytic gradient of a float64 tensor <paramref name="x"/> with central differences of
    /// <paramref name="objective"/>, perturbing each element of <paramref name="x"/> in place (and restoring it).
    /// </summary>
    internal static GradCheckInputReport CompareElements(int input, Tensor x, double[] analytic, Func<double> objective,
        double epsilon, double absoluteTolerance, double relativeTolerance)
    {
        var data = x.Array<double>();
        var numeric = new double[analytic.Length];
        for (int j = 0; j < analytic.Length; j++)
        {
            double saved = data[j];
            data[j] = saved + epsilon;
            double plus = objective();
            data[j] = saved - epsilon;
            double minus = objective();
            data[j] = saved;
            numeric[j] = (plus - minus) / (2 * epsilon);
        }
        return CompareValues(input, x.Shape.ToArray(), analytic, numeric, absoluteTolerance, relativeTolerance);
    }

    /// <summary>Compares analytic derivatives with numerical ones element by element (of a tensor of <paramref name="shape"/>).</summary>
    internal static GradCheckInputReport CompareValues(int input, int[] shape, double[] analytic, double[] numeric,
        double absoluteTolerance, double relativeTolerance)
    {
        double maxAbs = 0, maxRel = 0, worstScore = double.NegativeInfinity, worstA = 0, worstN = 0;
        int worst = 0;
        bool passed = true;
        for (int j = 0; j < analytic.Length; j++)
        {
            // Non-finite on either side: nothing to compare, so the error is infinite (not NaN, which would
            // compare false with everything and pass); written so that no NaN reaches a comparison.
            bool finite = double.IsFinite(analytic[j]) && double.IsFinite(numeric[j]);
            double err = finite ? Math.Abs(analytic[j] - numeric[j]) : double.PositiveInfinity;
            double rel = finite ? err / Math.Max(Math.Abs(numeric[j]), 1e-8) : double.PositiveInfinity;
            double allowed = finite ? absoluteTolerance + relativeTolerance * Math.Abs(numeric[j]) : 0;
            if (!(err <= allowed)) passed = false;
            maxAbs = Math.Max(maxAbs, err);
            maxRel = Math.Max(maxRel, rel);
            double score = finite ? err - allowed : double.PositiveInfinity;
            if (score > worstScore)
            {
                worstScore = score;
                worst = j;
                worstA = analytic[j];
                worstN = numeric[j];
            }
        }
        return new GradCheckInputReport(input, shape, maxAbs, maxRel, Unravel(worst, shape), worstA, worstN, passed);
    }

    private static int[] Unravel(int flat, int[] shape)
    {
        var index = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = shape[d] == 0 ? 0 : flat % shape[d];
            flat = shape[d] == 0 ? 0 : flat / shape[d];
        }
        return index;
    }
}
