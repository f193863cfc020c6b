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
    /// The general form (class weights, an ignored label, per-row losses) is <see cref="LossRows{T}"/>.
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
        if (rows == 0)
        {
            CheckShape(logits.Length, probabilities.Length, rows, classes, nameof(logits), nameof(probabilities));
            return double.NaN;
        }
        double[] rowLoss = ArrayPool<double>.Shared.Rent(rows);
        try
        {
            LossRows(logits, labels, default, probabilities, rowLoss.AsSpan(0, rows), rows, classes, labelSmoothing, null);
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
        where T : unmanaged, IFloatingPointIeee754<T> =>
        LossRowsBackward(probabilities, labels, default, default, rows == 0 ? 0 : upstream / rows, gradLogits, rows, classes,
            labelSmoothing, null, accumulate);

    /// <summary>
    /// Each row's cross-entropy of softmax(logits) against its label, with optional class weights w, label smoothing ε
    /// and an ignored label, as PyTorch's <c>cross_entropy(..., reduction='none')</c>:
    /// <c>loss_i = (1 − ε)·w[y_i]·(lse_i − x_i,y_i) + ε/C·Σ_c w_c·(lse_i − x_i,c)</c>, and 0 for a row whose label is the
    /// ignored one. Also writes softmax(logits) into <paramref name="probabilities"/> for <see cref="LossRowsBackward{T}"/>.
    /// </summary>
    /// <param name="logits">[rows, classes].</param>
    /// <param name="labels">[rows], each in [0, classes) or equal to <paramref name="ignoreIndex"/>; otherwise <see cref="ArgumentException"/>.</param>
    /// <param name="classWeights">[classes], or empty for weights of 1.</param>
    /// <param name="probabilities">[rows, classes]; overwritten with the row-wise softmax. May alias <paramref name="logits"/>.</param>
    /// <param name="rowLoss">[rows]; receives the row losses, computed in double.</param>
    /// <param name="rows">Rows.</param>
    /// <param name="classes">Classes C (≥ 1).</param>
    /// <param name="labelSmoothing">ε in [0, 1].</param>
    /// <param name="ignoreIndex">The label whose rows count for nothing, or null for none.</param>
    public static void LossRows<T>(ReadOnlySpan<T> logits, ReadOnlySpan<int> labels, ReadOnlySpan<T> classWeights, Span<T> probabilities,
        Span<double> rowLoss, int rows, int classes, double labelSmoothing, int? ignoreIndex) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckShape(logits.Length, probabilities.Length, rows, classes, nameof(logits), nameof(probabilities));
        CheckLabels(labels, rows, classes, labelSmoothing, ignoreIndex);
        CheckWeights(classWeights.Length, classes);
        if (rowLoss.Length != rows) throw new ArgumentException($"There are {rowLoss.Length} row losses for {rows} rows.", nameof(rowLoss));
        if (rows == 0) return;
        fixed (T* x = logits) fixed (T* p = probabilities) fixed (int* l = labels) fixed (double* loss = rowLoss) fixed (T* w = classWeights)
            Run(Op.CrossEntropy, x, null, p, l, loss, rows, classes, labelSmoothing, 0, false,
                classWeights.IsEmpty ? null : w, null, ignoreIndex);
    }

    /// <summary>
    /// Gradient of <c>Σ_i u_i·loss_i</c> (losses of <see cref="LossRows{T}"/>) with respect to the logits, where u_i is
    /// <paramref name="rowUpstream"/>[i], or <paramref name="upstream"/> for every row when that is empty (1/N for a
    /// mean, 1 for a sum): <c>u_i·(p_j·((1 − ε)·w[y] + ε/C·Σw) − ε/C·w_j − (1 − ε)·w[y]·[j = y])</c>, and 0 for an
    /// ignored row.
    /// </summary>
    /// <param name="probabilities">The softmax written by <see cref="LossRows{T}"/>.</param>
    /// <param name="labels">As given to the forward.</param>
    /// <param name="classWeights">As given to the forward.</param>
    /// <param name="rowUpstream">[rows], or empty for <paramref name="upstream"/> on every row.</param>
    /// <param name="upstream">The factor of every row when <paramref name="rowUpstream"/> is empty.</param>
    /// <param name="gradLogits">[rows, classes]; overwritten, or added to when <paramref name="accumulate"/>. May alias <paramref name="probabilities"/> unless accumulating.</param>
    /// <param name="rows">Rows.</param>
    /// <param name="classes">Classes.</param>
    /// <param name="labelSmoothing">As given to the forward.</param>
    /// <param name="ignoreIndex">As given to the forward.</param>
    /// <param name="accumulate">Add to <paramref name="gradLogits"/> instead of overwriting it.</param>
    public static void LossRowsBackward<T>(ReadOnlySpan<T> probabilities, ReadOnlySpan<int> labels, ReadOnlySpan<T> classWeights,
        ReadOnlySpan<T> rowUpstream, double upstream, Span<T> gradLogits, int rows, int classes, double labelSmoothing, int? ignoreIndex,
        bool accumulate = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckShape(probabilities.Length, gradLogits.Length, rows, classes, nameof(probabilities), nameof(gradLogits));
        CheckLabels(labels, rows, classes, labelSmoothing, ignoreIndex);
        CheckWeights(classWeights.Length, classes);
        if (!rowUpstream.IsEmpty && rowUpstream.Length != rows)
            throw new ArgumentException($"There are {rowUpstream.Length} row gradients for {rows} rows.", nameof(rowUpstream));
        if (rows == 0)
            return;
        fixed (T* p = probabilities) fixed (T* g = gradLogits) fixed (int* l = labels) fixed (T* w = classWeights) fixed (T* u = rowUpstream)
            Run(Op.CrossEntropyBackward, p, null, g, l, null, rows, classes, labelSmoothing, upstream, accumulate,
                classWeights.IsEmpty ? null : w, rowUpstream.IsEmpty ? null : u, ignoreIndex);
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

    private static void CheckWeights(int length, int classes)
    {
        if (length != 0 && length != classes)
            throw new ArgumentException($"There are {length} class weights for {classes} classes.", "classWeights");
    }

    private static void CheckLabels(ReadOnlySpan<int> labels, int rows, int classes, double labelSmoothing, int? ignoreIndex)
    {
        if (labels.Length != rows)
            throw new ArgumentException($"There are {labels.Length} labels for {rows} rows.", nameof(labels));
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "Label smoothing must be in [0, 1].");
        for (int i = 0; i < rows; i++)
            if ((uint)labels[i] >= (uint)classes && labels[i] != ignoreIndex)
                throw new ArgumentException($"Label {labels[i]} of row {i} is out of range for {classes} classes.", nameof(labels));
    }

    private static void Run<T>(Op op, T* a, T* b, T* dst, int* labels, double* rowLoss, int rows, int cols,
        double smoothing, double scale, bool accumulate, T* weights = null, T* rowScale = null, int? ignoreIndex = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double weightSum = cols;
        if (weights is not null)
        {
            weightSum = 0;
            for (int j = 0; j < cols; j++) weightSum += double.CreateTruncating(weights[j]);
        }
        // Blocks of about 16K elements: the block size depends only on the shape, never on the thread count.
        int rowsPerItem = Math.Max(1, 16384 / cols);
        var body = new RowsBody<T>
        {
            Op = op, A = a, B = b, Dst = dst, Labels = labels, RowLoss = rowLoss, Rows = rows, Cols = cols,
            RowsPerItem = rowsPerItem, Smoothing = smoothing, Scale = scale, Accumulate = accumulate,
            Weights = weights, RowScale = rowScale, WeightSum = weightSum, HasIgnore = ignoreIndex.HasValue, IgnoreIndex = ignoreIndex ?? 0,
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
        public double Smoothing, Scale, WeightSum;
        public bool Accumulate, HasIgnore;
        public T* Weights, RowScale;
        public int IgnoreIndex;

        public readonly void Invoke(int index)
        {
            int first = index * RowsPerItem, last = Math.Min(Rows, first + RowsPerItem), c = Cols;
            // Only the log-softmax passes need a row of scratch (so that outputs may alias inputs).
            T[]? scratch = Op is Op.LogSoftmax or Op.LogSoftmaxBackward || Accumulate ? ArrayPool<T>.Shared.Rent(c) : null;
            Span<T> tmp = scratch is null ? default : scratch.AsSpan(0, c);
            for (int i = first; i < last; i++)
            {
                var a = new ReadOnlySpan<T>(A + (nint)i * c, c);
                var b = B is null ? default : new ReadOnlySpan<T>(B + (nint)i * c, c);
                var dst = new Span<T>(Dst + (nint)i * c, c);
                var weights = Weights is null ? default : new ReadOnlySpan<T>(Weights, c);
                bool ignored = HasIgnore && (Op is Op.CrossEntropy or Op.CrossEntropyBackward) && Labels[i] == IgnoreIndex;
                switch (Op)
                {
                    case Op.CrossEntropy when ignored:
                        // Nothing to learn from this row; its probabilities are still written, for the same layout.
                        SoftmaxRow(a, dst);
                        RowLoss[i] = 0;
                        break;
                    case Op.CrossEntropy: RowLoss[i] = CrossEntropyRow(a, dst, Labels[i], weights, WeightSum, Smoothing); break;
                    case Op.CrossEntropyBackward when ignored:
                        if (!Accumulate) dst.Clear();
                        break;
                    case Op.CrossEntropyBackward:
                        CrossEntropyBackwardRow(a, dst, Labels[i], weights, WeightSum, Smoothing,
                            RowScale is null ? Scale : double.CreateTruncating(RowScale[i]), Accumulate ? tmp : default);
                        break;
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

    /// <summary>Writes softmax(x) into p and returns the row's (weighted, smoothed) cross-entropy, computed in double.</summary>
    private static double CrossEntropyRow<T>(ReadOnlySpan<T> x, Span<T> p, int label, ReadOnlySpan<T> weights, double weightSum,
        double smoothing) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T max = TensorPrimitives.Max(x);
        double m = double.CreateTruncating(max);
        // Read what the loss needs before p (which may alias x) is overwritten.
        double shiftedLabel = double.CreateTruncating(x[label]) - m;
        double weightedShiftedSum = 0;
        if (smoothing != 0)
            for (int j = 0; j < x.Length; j++)
                weightedShiftedSum += (weights.IsEmpty ? 1 : double.CreateTruncating(weights[j])) * (double.CreateTruncating(x[j]) - m);
        T sum = ExpShifted(x, max, p);
        TensorPrimitives.Divide(p, sum, p);
        // loss = (1 − ε)·w_y·(lse − x_y) + ε/C·Σ_c w_c·(lse − x_c); the max cancels inside every (lse − x), so work
        // with x − max throughout.
        double logSum = Math.Log(double.CreateTruncating(sum));
        double wy = weights.IsEmpty ? 1 : double.CreateTruncating(weights[label]);
        double loss = (1 - smoothing) * wy * (logSum - shiftedLabel);
        if (smoothing != 0)
            loss += smoothing / x.Length * (weightSum * logSum - weightedShiftedSum);
        return loss;
    }

    // g = u·(p·((1 − ε)·w_y + ε/C·Σw) − ε/C·w − (1 − ε)·w_y·onehot(y)); into tmp and then added when accumulating.
    private static void CrossEntropyBackwardRow<T>(ReadOnlySpan<T> p, Span<T> g, int label, ReadOnlySpan<T> weights, double weightSum,
        double smoothing, double scale, Span<T> accumulateScratch) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double wy = weights.IsEmpty ? 1 : double.CreateTruncating(weights[label]);
        double off = smoothing / p.Length;
        var outRow = accumulateScratch.IsEmpty ? g : accumulateScratch;
        TensorPrimitives.Multiply(p, T.CreateTruncating(((1 - smoothing) * wy + off * weightSum) * scale), outRow);
        if (smoothing != 0)
        {
            if (weights.IsEmpty) TensorPrimitives.Subtract(outRow, T.CreateTruncating(off * scale), outRow);
            else TensorPrimitives.MultiplyAdd(weights, T.CreateTruncating(-off * scale), outRow, outRow);
        }
        outRow[label] -= T.CreateTruncating((1 - smoothing) * wy * scale);
        if (!accumulateScratch.IsEmpty)
            TensorPrimitives.Add(g, outRow, g);
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
