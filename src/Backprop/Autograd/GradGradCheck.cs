namespace Backprop;

/// <summary>The outcome of <see cref="GradGradCheck.Check"/>.</summary>
/// <param name="Passed">Whether the recorded first derivative matched the ordinary one and every second-order check passed.</param>
/// <param name="FirstOrderMaxAbsError">
/// The largest |recorded − ordinary| over the first derivative: the gradient computed with <c>createGraph: true</c>
/// against the ordinary backward's, which must agree before their derivatives mean anything.
/// </param>
/// <param name="FirstOrderPassed">Whether that difference is within the tolerances.</param>
/// <param name="Inputs">
/// One report per floating-point input, then one (with <c>Input</c> equal to the number of inputs) for the upstream
/// gradient: the derivative of ⟨∂f/∂x, v⟩ computed through the recorded backward against central differences.
/// </param>
public sealed record GradGradCheckResult(bool Passed, double FirstOrderMaxAbsError, bool FirstOrderPassed, IReadOnlyList<GradCheckInputReport> Inputs)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"first order: recorded vs ordinary max abs {FirstOrderMaxAbsError:G3} {(FirstOrderPassed ? "ok" : "FAILED")}; second order: " +
        new GradCheckResult(Inputs.All(i => i.Passed), Inputs);
}

/// <summary>
/// Checks second derivatives (the role of PyTorch's gradgradcheck), in float64: the first derivative is computed with
/// <c>createGraph: true</c> and differentiated again, and compared with central differences of the ordinary first
/// derivative. For f with fixed random output weights r and fixed random directions v, the checked function is
/// S(x, r) = ⟨∂⟨f(x), r⟩/∂x, v⟩: its gradient in x is the Hessian-vector product H·v and its gradient in r is J·v, so
/// both the rule's dependence on the inputs and its linearity in the upstream gradient are verified.
/// </summary>
/// <remarks>
/// As with <see cref="GradCheck"/>, an element passes only when both derivatives are finite and agree; pick points
/// inside the domain and away from kinks (relu at 0, abs at 0), where a finite difference of the first derivative jumps.
/// </remarks>
public static class GradGradCheck
{
    /// <summary>
    /// Runs <paramref name="function"/> on float64 copies of the floating-point <paramref name="inputs"/> (int32
    /// inputs are passed as they are and not checked) and compares second derivatives element by element.
    /// </summary>
    /// <param name="function">The computation; it must use only its arguments and constants.</param>
    /// <param name="inputs">Where to check; their values are copied, not changed.</param>
    /// <param name="epsilon">The finite-difference step (of the first derivative).</param>
    /// <param name="absoluteTolerance">atol in |a − n| ≤ atol + rtol·|n|.</param>
    /// <param name="relativeTolerance">rtol in |a − n| ≤ atol + rtol·|n|.</param>
    public static GradGradCheckResult Check(Func<Tensor[], Tensor> function, Tensor[] inputs, double epsilon = 1e-6,
        double absoluteTolerance = 1e-5, double relativeTolerance = 1e-3)
    {
        var x = new Tensor[inputs.Length];
        var differentiable = new List<Tensor>();
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i].DType.IsFloatingPoint())
            {
                x[i] = inputs[i].Detach().CastData(DType.Float64).CopyData();
                x[i].RequiresGrad = true;
                differentiable.Add(x[i]);
            }
            else x[i] = inputs[i];
        }
        if (differentiable.Count == 0) throw new ArgumentException("GradGradCheck: no floating-point input to check", nameof(inputs));

        var random = new Generator(20261202);
        Tensor? upstream = null;
        var directions = differentiable.Select(t => Tensor.Uniform(t.ShapeArray, 0.5, 1.5, random, DType.Float64)).ToArray();

        // The first derivative ∂⟨f(x), r⟩/∂x, recorded or not; null where an input does not reach the output.
        Tensor?[] FirstDerivative(bool createGraph)
        {
            var y = function(x).To(DType.Float64);
            if (upstream is null)
            {
                upstream = Tensor.Uniform(y.ShapeArray, 0.5, 1.5, random, DType.Float64);
                upstream.RequiresGrad = true;
            }
            if (!y.RequiresGrad) return new Tensor?[differentiable.Count];
            return Autograd.Grad((y * upstream).Sum(), differentiable.ToArray(), createGraph: createGraph, allowUnused: true);
        }

        Tensor Contract(Tensor?[] gradients)
        {
            Tensor? sum = null;
            for (int i = 0; i < gradients.Length; i++)
                if (gradients[i] is { } g)
                {
                    var term = (g * directions[i]).Sum();
                    sum = sum is null ? term : sum + term;
                }
            return sum ?? Tensor.Scalar(0.0);
        }

        var recorded = FirstDerivative(createGraph: true);
        var ordinary = FirstDerivative(createGraph: false);
        double firstOrderError = 0;
        bool firstOrderPassed = true;
        for (int i = 0; i < recorded.Length; i++)
        {
            var a = recorded[i]?.Detach().ToDoubleArray() ?? new double[differentiable[i].Numel];
            var b = ordinary[i]?.ToDoubleArray() ?? new double[differentiable[i].Numel];
            for (int j = 0; j < a.Length; j++)
            {
                double err = Math.Abs(a[j] - b[j]);
                bool ok = err <= absoluteTolerance + relativeTolerance * Math.Abs(b[j]);
                firstOrderPassed &= ok;
                firstOrderError = Math.Max(firstOrderError, double.IsFinite(err) ? err : double.PositiveInfinity);
            }
        }

        // The analytic second derivatives: S = ⟨recorded, v⟩ differentiated through the recorded backward.
        var checkedTensors = differentiable.Append(upstream!).ToArray();
        var s = Contract(recorded);
        var analytic = s.RequiresGrad
            ? Autograd.Grad(s, checkedTensors, allowUnused: true)
            : new Tensor?[checkedTensors.Length];

        double Objective() => Contract(FirstDerivative(createGraph: false)).Item();

        var reports = new List<GradCheckInputReport>();
        for (int k = 0; k < checkedTensors.Length; k++)
        {
            int input = k < differentiable.Count ? Array.IndexOf(x, differentiable[k]) : inputs.Length;
            var values = analytic[k]?.ToDoubleArray() ?? new double[checkedTensors[k].Numel];
            reports.Add(GradCheck.CompareElements(input, checkedTensors[k], values, Objective, epsilon, absoluteTolerance, relativeTolerance));
        }
        return new GradGradCheckResult(firstOrderPassed && reports.All(r => r.Passed), firstOrderError, firstOrderPassed, reports);
    }
}
