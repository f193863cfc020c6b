using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace Backprop.Kernels;

/// <summary>
/// Row-wise softmax, log-softmax and fused softmax + cross-entropy over a row-major [rows, cols] matrix (the last
/// axis is normalised), forward and backward, for float and double.
/// </summary>
/// <remarks>
/// All exponentials are taken of <c>x − max(row)</c>, so logits of any magnitude (±1000 and beyond) are safe.
/// Rows are independent and split over threads in blocks whose size depends only on the shape; the mean loss is
/// summed in row order, so results are bit-identical for any <see cref="Parallelism.MaxThreads"/>.
/// Backward outputs may alias their upstream-gradient inputs.
/// </remarks>
internal static unsafe class SoftmaxCrossEntropyKernel
{
    private enum Op { CrossEntropy, CrossEntropyBackward, Softmax, SoftmaxBackward, LogSoftmax, LogSoftmaxBackward }

    /// <summary>
    /// Mean cross-entropy of softmax(logits) against labels, optionally label-smoothed: the target of row i is
    /// <c>(1 − ε)·onehot(labels[i]) + ε/classes</c>, the row loss is <c>logsumexp(x) − Σ_j target_j·x_j</c>.
    /// Also writes softmax(logits) into <paramref name="probabilities"/> for <see cref="Backward{T}"/>.
    /// </summary>
    /// <param name="logits">[rows, classes].</param>
    /// <param name="labels">[rows], each in [0, classes); otherwise <see cref="ArgumentException"/>.</param>
    /// <param name="probabilities">[rows, classes]; overwritten with the row-wise softmax. May alias <paramref name="logits"/>.</param>
    /// <param name="rows">Number of rows N (0 gives NaN, the mean of nothing).</param>
    /// <param name="classes">Number of classes C (≥ 1).</param>
    /// <param name="labelSmoothing">ε in [0, 1].</param>
    /// <returns>The mean of the row losses, accumulated in double in row order.</returns>
    public static double Forward<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, Span<T> probabilities,
        int rows, int classes, double labelSmoothing = 0) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckShape(logits.Length, probabilities.Length, rows, classes, nameof(logits), nameof(probabilities));
        CheckLabels(labels, rows, classes, labelSmoothing);
        if (rows == 0)
            return double.NaN;
        double[] rowLoss = ArrayPool<double>.Shared.Rent(rows);
        try
        {
            fixed (T* x = logits) fixed (T* p = probabilities) fixed (int* l = labels) fixed (double* loss = rowLoss)
                Run(Op.CrossEntropy, x, null, p, l, loss, rows, classes, labelSmoothing, 0, false);
            double total = 0;
            for (int i = 0; i < rows; i++)
                total += rowLoss[i];
            return total / rows;
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rowLoss);
        }
    }

    /// <summary>
    /// Gradient of <c>upstream · Forward(...)</c> with respect to the logits:
    /// <c>gradLogits = (probabilities − target) · (upstream / rows)</c>, target as in <see cref="Forward{T}"/>.
    /// </summary>
    /// <param name="probabilities">The softmax written by <see cref="Forward{T}"/>, [rows, classes].</param>
    /// <param name="labels">[rows], as given to the forward.</param>
    /// <param name="gradLogits">[rows, classes]; overwritten, or added to when <paramref name="accumulate"/>. May alias <paramref name="probabilities"/> unless accumulating.</param>
    /// <param name="rows">Number of rows N.</param>
    /// <param name="classes">Number of classes C.</param>
    /// <param name="upstream">Gradient of the final objective with respect to the mean loss (1 for the loss itself).</param>
    /// <param name="labelSmoothing">ε, as given to the forward.</param>
    /// <param name="accumulate">Add to <paramref name="gradLogits"/> instead of overwriting it.</param>
    public static void Backward<T>(ReadOnlySpan<T> probabilities, ReadOnlySpan<int> labels, Span<T> gradLogits,
        int rows, int classes, double upstream, double labelSmoothing = 0, bool accumulate = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckShape(probabilities.Length, gradLogits.Length, rows, classes, nameof(probabilities), nameof(gradLogits));
        CheckLabels(labels, rows, classes, labelSmoothing);
        if (rows == 0)
            return;
        fixed (T* p = probabilities) fixed (T* g = gradLogits) fixed (int* l = labels)
            Run(Op.CrossEntropyBackward, p, null, g, l, null, rows, classes, labelSmoothing, upstream / rows, accumulate);
    }

    /// <summary>y = softmax(x) along each row of the [rows, cols] matrix. <paramref name="y"/> may alias <paramref name="x"/>.</summary>
    public static void Softmax<T>(ReadOnlySpan<T> x, Span<T> y, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckShape(x.Length, y.Length, rows, cols, nameof(x), nameof(y));
        fixed (T* px = x) fixed (T* py = y)
            Run(Op.Softmax, px, null, py, null, null, rows, cols, 0, 0, false);
    }

    /// <summary>
    /// Softmax backward from its output: <c>dx = y ⊙ (dy − Σ_j dy_j·y_j)</c> per row.
    /// <paramref name="dx"/> may alias <paramref name="dy"/> unless accumulating.
    /// </summary>
    public static void SoftmaxBackward<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx, int rows, int cols,
        bool accumulate = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckShape(y.Length, dx.Length, rows, cols, nameof(y), nameof(dx));
        CheckShape(dy.Length, dx.Length, rows, cols, nameof(dy), nameof(dx));
        fixed (T* py = y) fixed (T* pdy = dy) fixed (T* pdx = dx)
            Run(Op.SoftmaxBackward, py, pdy, pdx, null, null, rows, cols, 0, 0, accumulate);
    }

    /// <summary>y = log(softmax(x)) = x − max − log Σ exp(x − max) along each row. <paramref name="y"/> may alias <paramref name="x"/>.</summary>
    public static void LogSoftmax<T>(ReadOnlySpan<T> x, Span<T> y, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckShape(x.Length, y.Length, rows, cols, nameof(x), nameof(y));
        fixed (T* px = x) fixed (T* py = y)
            Run(Op.LogSoftmax, px, null, py, null, null, rows, cols, 0, 0, false);
    }

    /// <summary>
    /// Log-softmax backward from its output y: <c>dx = dy − exp(y)·Σ_j dy_j</c> per row.
    /// <paramref name="dx"/> may alias <paramref name="dy"/>.
    /// </summary>
    public static void LogSoftmaxBackward<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx, int rows, int cols,
        bool accumulate = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckShape(y.Length, dx.Length, rows, cols, nameof(y), nameof(dx));
        CheckShape(dy.Length, dx.Length, rows, cols, nameof(dy), nameof(dx));
        fixed (T* py = y) fixed (T* pdy = dy) fixed (T* pdx = dx)
            Run(Op.LogSoftmaxBackward, py, pdy, pdx, null, null, rows, cols, 0, 0, accumulate);
    }

    private static void CheckShape(int aLength, int bLength, int rows, int cols, string aName, string bName)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cols);
        long required = (long)rows * cols;
        if (aLength != required)
            throw new ArgumentException($"Buffer {aName} has {aLength} elements; a {rows}×{cols} matrix needs {required}.", aName);
        if (bLength != required)
            throw new ArgumentException($"Buffer {bName} has {bLength} elements; a {rows}×{cols} matrix needs {required}.", bName);
    }

    private static void CheckLabels(ReadOnlySpan<int> labels, int rows, int classes, double labelSmoothing)
    {
        if (labels.Length != rows)
            throw new ArgumentException($"There are {labels.Length} labels for {rows} rows.", nameof(labels));
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "Label smoothing must be in [0, 1].");
        for (int i = 0; i < rows; i++)
            if ((uint)labels[i] >= (uint)classes)
                throw new ArgumentException($"Label {labels[i]} of row {i} is out of range for {classes} classes.", nameof(labels));
    }

    private static void Run<T>(Op op, T* a, T* b, T* dst, int* labels, double* rowLoss, int rows, int cols,
        double smoothing, double scale, bool accumulate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Blocks of about 16K elements: the block size depends only on the shape, never on the thread count.
        int rowsPerItem = Math.Max(1, 16384 / cols);
        var body = new RowsBody<T>
        {
            Op = op, A = a, B = b, Dst = dst, Labels = labels, RowLoss = rowLoss, Rows = rows, Cols = cols,
            RowsPerItem = rowsPerItem, Smoothing = smoothing, Scale = scale, Accumulate = accumulate,
        };
        Parallelism.For((rows + rowsPerItem - 1) / rowsPerItem, (long)rowsPerItem * cols * 8, body);
    }

    private struct RowsBody<T> : IParallelBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public Op Op;
        public T* A, B, Dst;
        public int* Labels;
        public double* RowLoss;
        public int Rows, Cols, RowsPerItem;
        public double Smoothing, Scale;
        public bool Accumulate;

        public readonly void Invoke(int index)
        {
            int first = index * RowsPerItem, last = Math.Min(Rows, first + RowsPerItem), c = Cols;
            // Only the log-softmax passes need a row of scratch (so that outputs may alias inputs).
            T[]? scratch = Op is Op.LogSoftmax or Op.LogSoftmaxBackward || (Accumulate && Op != Op.CrossEntropyBackward)
                ? ArrayPool<T>.Shared.Rent(c) : null;
            Span<T> tmp = scratch is null ? default : scratch.AsSpan(0, c);
            for (int i = first; i < last; i++)
            {
                var a = new ReadOnlySpan<T>(A + (nint)i * c, c);
                var b = B is null ? default : new ReadOnlySpan<T>(B + (nint)i * c, c);
                var dst = new Span<T>(Dst + (nint)i * c, c);
                switch (Op)
                {
                    case Op.CrossEntropy: RowLoss[i] = CrossEntropyRow(a, dst, Labels[i], Smoothing); break;
                    case Op.CrossEntropyBackward: CrossEntropyBackwardRow(a, dst, Labels[i], Smoothing, Scale, Accumulate); break;
                    case Op.Softmax: SoftmaxRow(a, dst); break;
                    case Op.LogSoftmax: LogSoftmaxRow(a, dst, tmp); break;
                    case Op.SoftmaxBackward:
                    {
                        // dx = y ⊙ (dy − Σ dy·y)
                        T dot = TensorPrimitives.Dot(b, a);
                        var outRow = Accumulate ? tmp : dst;
                        TensorPrimitives.Subtract(b, dot, outRow);
                        TensorPrimitives.Multiply(outRow, a, outRow);
                        if (Accumulate)
                            TensorPrimitives.Add(dst, tmp, dst);
                        break;
                    }
                    case Op.LogSoftmaxBackward:
                    {
                        // dx = dy − exp(y)·Σ dy; tmp holds exp(y)·(−Σ dy) so dx may alias dy.
                        T sum = TensorPrimitives.Sum(b);
                        TensorPrimitives.Exp(a, tmp);
                        TensorPrimitives.Multiply(tmp, -sum, tmp);
                        TensorPrimitives.Add(tmp, b, tmp);
                        if (Accumulate)
                            TensorPrimitives.Add(dst, tmp, dst);
                        else
                            tmp.CopyTo(dst);
                        break;
                    }
                }
            }
            if (scratch is not null)
                ArrayPool<T>.Shared.Return(scratch);
        }
    }

    /// <summary>Writes softmax(x) into p and returns the row's (smoothed) cross-entropy, computed in double.</summary>
    private static double CrossEntropyRow<T>(ReadOnlySpan<T> x, Span<T> p, int label, double smoothing)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T max = TensorPrimitives.Max(x);
        // Read what the loss needs before p (which may alias x) is overwritten.
        double shiftedLabel = double.CreateTruncating(x[label]) - double.CreateTruncating(max);
        double shiftedSum = 0;
        if (smoothing != 0)
            for (int j = 0; j < x.Length; j++)
                shiftedSum += double.CreateTruncating(x[j]) - double.CreateTruncating(max);
        T sum = ExpShifted(x, max, p);
        TensorPrimitives.Divide(p, sum, p);
        // loss = logsumexp(x) − Σ t_j x_j; the max cancels between the two terms, so work with x − max throughout.
        double logSum = Math.Log(double.CreateTruncating(sum));
        return logSum - (1 - smoothing) * shiftedLabel - smoothing / x.Length * shiftedSum;
    }

    private static void CrossEntropyBackwardRow<T>(ReadOnlySpan<T> p, Span<T> g, int label, double smoothing, double scale,
        bool accumulate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T s = T.CreateTruncating(scale);
        T off = T.CreateTruncating(smoothing / p.Length);      // target of every class
        T on = T.CreateTruncating(1 - smoothing) + off;        // target of the label
        if (accumulate)
        {
            for (int j = 0; j < p.Length; j++)
                g[j] += (p[j] - (j == label ? on : off)) * s;
            return;
        }
        T pLabel = p[label];
        if (smoothing != 0)
            TensorPrimitives.Subtract(p, off, g);
        else
            p.CopyTo(g);
        g[label] = pLabel - on;
        TensorPrimitives.Multiply(g, s, g);
    }

    private static void SoftmaxRow<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T sum = ExpShifted(x, TensorPrimitives.Max(x), y);
        TensorPrimitives.Divide(y, sum, y);
    }

    private static void LogSoftmaxRow<T>(ReadOnlySpan<T> x, Span<T> y, Span<T> tmp) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T max = TensorPrimitives.Max(x);
        T logSum = T.Log(ExpShifted(x, max, tmp));
        // y = (x − max) − log Σ exp(x − max), in that order: rounding max + logSum first would cost precision
        // for large logits, and exp-then-log would lose tiny probabilities.
        TensorPrimitives.Subtract(x, max, y);
        TensorPrimitives.Subtract(y, logSum, y);
    }

    /// <summary>e = exp(x − max); returns Σ e (≥ 1, since the maximum contributes exp(0)).</summary>
    private static T ExpShifted<T>(ReadOnlySpan<T> x, T max, Span<T> e) where T : unmanaged, IFloatingPointIeee754<T>
    {
        TensorPrimitives.Subtract(x, max, e);
        TensorPrimitives.Exp(e, e);
        return TensorPrimitives.Sum<T>(e);
    }
}
