namespace Backprop.Ops;

/// <summary>
/// <c>torch.multinomial</c>: category indices drawn from rows of non-negative weights (not necessarily normalised).
/// Integer results with no gradient, so the node is recorded inside a trace (<see cref="Tracing"/>) only: the exporter
/// must refuse it (a draw has no ONNX equivalent), not bake one traced draw into the file as a constant.
/// </summary>
/// <remarks>
/// How the generator is consumed (tests derive draws from it by hand): rows in order, samples in order, exactly one
/// <see cref="Generator.NextDouble"/> u per sample. The category drawn is the first j with u·W &lt; c_j, where c_j is the
/// running sum of the row's weights (in double, left to right) and W = c_last, so a zero weight is never drawn. Without
/// replacement the drawn category's weight is set to zero and c and W are recomputed before the next sample.
/// </remarks>
internal sealed class MultinomialOp : Node
{
    public override string Name => "multinomial";

    internal override void Backward(Tensor g, Span<Tensor?> dx) { }

    public static Tensor Apply(Tensor probabilities, int numSamples, bool replacement, Generator generator)
    {
        const string op = "multinomial";
        Elementwise.RequireFloat(op, probabilities);
        if (probabilities.Rank is not (1 or 2))
            throw new ArgumentException($"{op}: expected weights [categories] or [rows, categories], got {Shapes.Format(probabilities.ShapeArray)}");
        if (numSamples <= 0)
            throw new ArgumentOutOfRangeException(nameof(numSamples), $"{op}: the number of samples must be positive, got {numSamples}");
        int rows = probabilities.Rank == 1 ? 1 : probabilities.ShapeArray[0];
        int categories = probabilities.ShapeArray[^1];
        if (categories == 0)
            throw new ArgumentException($"{op}: weights {Shapes.Format(probabilities.ShapeArray)} have no categories to draw from");
        var weights = probabilities.ToDoubleArray();
        var result = new int[rows * numSamples];
        var cumulative = new double[categories];
        for (int r = 0; r < rows; r++)
        {
            var row = weights.AsSpan(r * categories, categories);
            int positive = 0;
            for (int j = 0; j < categories; j++)
            {
                double w = row[j];
                if (!(w >= 0) || double.IsPositiveInfinity(w))
                    throw new ArgumentException(
                        $"{op}: weight {w} at row {r}, category {j} (weights {Shapes.Format(probabilities.ShapeArray)}) is not a finite non-negative number");
                if (w > 0) positive++;
            }
            if (positive == 0)
                throw new ArgumentException($"{op}: row {r} of the weights {Shapes.Format(probabilities.ShapeArray)} is all zeros; expected some positive weight");
            if (!replacement && numSamples > positive)
                throw new ArgumentException(
                    $"{op}: cannot draw {numSamples} samples without replacement from row {r}, which has only {positive} categories of positive weight");
            double total = Accumulate(row, cumulative);
            if (double.IsPositiveInfinity(total))
                throw new ArgumentException($"{op}: the weights of row {r} ({Shapes.Format(probabilities.ShapeArray)}) sum to more than a double holds; scale them down");
            for (int s = 0; s < numSamples; s++)
            {
                double target = generator.NextDouble() * total;
                int j = First(cumulative, target);
                result[r * numSamples + s] = j;
                if (!replacement && s + 1 < numSamples)
                {
                    row[j] = 0;
                    total = Accumulate(row, cumulative);
                }
            }
        }
        var y = probabilities.Rank == 1 ? Tensor.FromArray(result, numSamples) : Tensor.FromArray(result, rows, numSamples);
        return Tracing.IsOn ? Record(y, new MultinomialOp(), probabilities) : y;
    }

    private static double Accumulate(ReadOnlySpan<double> row, Span<double> cumulative)
    {
        double sum = 0;
        for (int j = 0; j < row.Length; j++) cumulative[j] = sum += row[j];
        return sum;
    }

    /// <summary>The first j with target &lt; cumulative[j] (binary search; cumulative is non-decreasing and target &lt; its last value).</summary>
    private static int First(ReadOnlySpan<double> cumulative, double target)
    {
        int lo = 0, hi = cumulative.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (target < cumulative[mid]) hi = mid;
            else lo = mid + 1;
        }
        return lo;
    }
}
