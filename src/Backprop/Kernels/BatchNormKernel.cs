using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Backprop.Kernels;

/// <summary>
/// Batch normalisation in training mode, fused, over data laid out [batch, channels, plane] (NCHW with plane = H·W,
/// NCL, or NC with plane 1). The forward takes per channel one pass for a first mean m, one for Σ(x − m) and Σ(x − m)²
/// (the corrected two-pass algorithm: mean = m + Σ(x − m)/M corrects m's rounding, and the variance never forms
/// E[x²] − mean², which cancels for a large mean) and one that writes y = (x − mean)·scale + bias with
/// scale = weight·rstd (centred first, as x·scale + (bias − mean·scale) would cancel the same way). The backward sums
/// Σdy and Σdy·(x − mean) per channel in one pass and writes dx = k·dy + kx·(x − mean) + k0 in a second, for float and
/// double.
/// </summary>
/// <remarks>
/// Channels are independent. With planes (plane &gt; 1) each work item is one channel: its rows are summed in batch
/// order, each row's sum added in double. An NC matrix (plane 1) is cut into blocks of <see cref="ChannelsPerBlock"/>
/// channels, each block summing its rows in batch order with the channels as vector lanes. Either way every channel's
/// sums are formed in one fixed order, so the results are bit-identical for any <see cref="Parallelism.MaxThreads"/>.
/// </remarks>
internal static unsafe class BatchNormKernel
{
    /// <summary>Channels per work item of an NC matrix: its per-channel scratch (six rows of this width) stays on the stack.</summary>
    public const int ChannelsPerBlock = 128;

    /// <summary>
    /// y = (x − mean)·rstd·weight + bias per channel, with the batch's mean and biased variance over the batch and the
    /// plane, and rstd = 1/√(variance + eps).
    /// </summary>
    /// <param name="x">[batch, channels, plane].</param>
    /// <param name="weight">[channels], or empty for none (a scale of 1).</param>
    /// <param name="bias">[channels], or empty for none (a shift of 0).</param>
    /// <param name="y">Of x's length; may not alias it.</param>
    /// <param name="mean">[channels]; receives each channel's mean.</param>
    /// <param name="variance">[channels]; receives each channel's biased variance (for the running statistics).</param>
    /// <param name="rstd">[channels]; receives 1/√(variance + eps).</param>
    /// <param name="batch">N, at least 1.</param>
    /// <param name="channels">C, at least 1.</param>
    /// <param name="plane">Values per sample and channel (H·W, L, or 1), at least 1.</param>
    /// <param name="eps">Added to the variance.</param>
    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, Span<T> y, Span<T> mean, Span<T> variance,
        Span<T> rstd, int batch, int channels, int plane, double eps) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(x.Length, y.Length, weight.Length, bias.Length, mean.Length, variance.Length, rstd.Length, batch, channels, plane);
        fixed (T* px = x) fixed (T* pw = weight) fixed (T* pb = bias) fixed (T* py = y) fixed (T* pm = mean) fixed (T* pv = variance) fixed (T* pr = rstd)
        {
            var body = new ForwardBody<T>
            {
                X = px, W = weight.IsEmpty ? null : pw, B = bias.IsEmpty ? null : pb, Y = py, Mean = pm, Variance = pv, Rstd = pr,
                Batch = batch, Channels = channels, Plane = plane, Eps = eps,
            };
            var (items, work) = Split(batch, channels, plane, passes: 3);
            Parallelism.For(items, work, body);
        }
    }

    /// <summary>
    /// The gradients of <see cref="Forward{T}"/> for the upstream gradient <paramref name="dy"/>: with x̂ = (x − mean)·rstd
    /// and M = batch·plane values per channel, dx = weight·rstd·(dy − Σdy/M − x̂·Σ(dy·x̂)/M), dweight = Σdy·x̂, dbias = Σdy.
    /// </summary>
    /// <param name="x">The forward input.</param>
    /// <param name="weight">[channels], or empty when the forward had none.</param>
    /// <param name="mean">The means the forward saved.</param>
    /// <param name="rstd">The 1/√(variance + eps) the forward saved.</param>
    /// <param name="dy">Of x's length.</param>
    /// <param name="dx">Of x's length, overwritten; empty to skip. May not alias <paramref name="dy"/>.</param>
    /// <param name="dweight">[channels], overwritten; empty to skip.</param>
    /// <param name="dbias">[channels], overwritten; empty to skip.</param>
    /// <param name="batch">N.</param>
    /// <param name="channels">C.</param>
    /// <param name="plane">Values per sample and channel.</param>
    public static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> weight, ReadOnlySpan<T> mean, ReadOnlySpan<T> rstd, ReadOnlySpan<T> dy,
        Span<T> dx, Span<T> dweight, Span<T> dbias, int batch, int channels, int plane) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(x.Length, dy.Length, weight.Length, 0, mean.Length, channels, rstd.Length, batch, channels, plane);
        if (!dx.IsEmpty && dx.Length != x.Length) throw new ArgumentException($"batch_norm kernel: dx has {dx.Length} elements, expected {x.Length}", nameof(dx));
        if (!dweight.IsEmpty && dweight.Length != channels) throw new ArgumentException($"batch_norm kernel: dweight has {dweight.Length} elements, expected {channels}", nameof(dweight));
        if (!dbias.IsEmpty && dbias.Length != channels) throw new ArgumentException($"batch_norm kernel: dbias has {dbias.Length} elements, expected {channels}", nameof(dbias));
        fixed (T* px = x) fixed (T* pw = weight) fixed (T* pm = mean) fixed (T* pr = rstd) fixed (T* pdy = dy) fixed (T* pdx = dx)
        fixed (T* pdw = dweight) fixed (T* pdb = dbias)
        {
            var body = new BackwardBody<T>
            {
                X = px, W = weight.IsEmpty ? null : pw, Mean = pm, Rstd = pr, Dy = pdy, Dx = dx.IsEmpty ? null : pdx,
                Dw = dweight.IsEmpty ? null : pdw, Db = dbias.IsEmpty ? null : pdb, Batch = batch, Channels = channels, Plane = plane,
            };
            var (items, work) = Split(batch, channels, plane, passes: 2);
            Parallelism.For(items, work, body);
        }
    }

    // One channel per item with planes; blocks of channels for an NC matrix.
    private static (int Items, long WorkPerItem) Split(int batch, int channels, int plane, int passes) =>
        plane > 1
            ? (channels, (long)passes * batch * plane)
            : ((channels + ChannelsPerBlock - 1) / ChannelsPerBlock, (long)passes * batch * Math.Min(channels, ChannelsPerBlock));

    private static void Check(int x, int y, int weight, int bias, int mean, int variance, int rstd, int batch, int channels, int plane)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(plane);
        long required = (long)batch * channels * plane;
        if (x != required || y != required)
            throw new ArgumentException($"batch_norm kernel: buffers of {x} and {y} elements for [{batch}, {channels}, {plane}] (expected {required})");
        if ((weight != 0 && weight != channels) || (bias != 0 && bias != channels))
            throw new ArgumentException($"batch_norm kernel: weight of {weight} and bias of {bias} elements for {channels} channels");
        if (mean != channels || variance != channels || rstd != channels)
            throw new ArgumentException($"batch_norm kernel: {mean} means, {variance} variances and {rstd} rstds for {channels} channels");
    }

    private struct ForwardBody<T> : IParallelBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* X, W, B, Y, Mean, Variance, Rstd;
        public int Batch, Channels, Plane;
        public double Eps;

        public readonly void Invoke(int index)
        {
            if (Plane > 1) Channel(index);
            else Block(index);
        }

        private readonly void Channel(int c)
        {
            nint stride = (nint)Channels * Plane;
            T* first = X + (nint)c * Plane;
            double count = (double)Batch * Plane, sum = 0, deviations = 0, squares = 0;
            for (int n = 0; n < Batch; n++) sum += double.CreateTruncating(ShortRowMath.Sum(first + n * stride, Plane));
            T rough = T.CreateTruncating(sum / count);
            for (int n = 0; n < Batch; n++)
            {
                var (d, d2) = ShortRowMath.SumDeviations(first + n * stride, rough, Plane);
                deviations += double.CreateTruncating(d);
                squares += double.CreateTruncating(d2);
            }
            T mean = rough + T.CreateTruncating(deviations / count);
            var (scale, shift) = Statistics(c, mean, (squares - deviations * deviations / count) / count);
            for (int n = 0; n < Batch; n++) NormalizeRow(first + n * stride, mean, scale, shift, Y + (first - X) + n * stride, Plane);
        }

        // The channels c0..c0 + width as vector lanes: every row of the block adds into the same sums, in batch order.
        private readonly void Block(int index)
        {
            int c0 = index * ChannelsPerBlock, width = Math.Min(ChannelsPerBlock, Channels - c0);
            T* scratch = stackalloc T[4 * width];
            var deviations = new Span<T>(scratch, width);
            var squares = new Span<T>(scratch + width, width);
            var scale = new Span<T>(scratch + 2 * width, width);
            var shift = new Span<T>(scratch + 3 * width, width);
            var mean = new Span<T>(Mean + c0, width);
            // The rough mean first, then the deviations from it (see the class remarks); the deviation of a row lands
            // in scale, free until the statistics are known.
            mean.Clear();
            for (int n = 0; n < Batch; n++) TensorPrimitives.Add(mean, Row(X, n, c0, width, Channels), mean);
            TensorPrimitives.Divide(mean, T.CreateTruncating(Batch), mean);
            deviations.Clear();
            squares.Clear();
            for (int n = 0; n < Batch; n++)
            {
                TensorPrimitives.Subtract(Row(X, n, c0, width, Channels), mean, scale);
                TensorPrimitives.Add(deviations, scale, deviations);
                TensorPrimitives.MultiplyAdd(scale, scale, squares, squares);
            }
            for (int i = 0; i < width; i++)
            {
                double d = double.CreateTruncating(deviations[i]);
                (scale[i], shift[i]) = Statistics(c0 + i, mean[i] + T.CreateTruncating(d / Batch), (double.CreateTruncating(squares[i]) - d * d / Batch) / Batch);
            }
            for (int n = 0; n < Batch; n++)
            {
                var y = Row(Y, n, c0, width, Channels);
                TensorPrimitives.Subtract(Row(X, n, c0, width, Channels), mean, y);
                TensorPrimitives.MultiplyAdd(y, scale, shift, y);
            }
        }

        // Records channel c's statistics and returns the scale and shift of its y = (x − mean)·scale + shift.
        private readonly (T Scale, T Shift) Statistics(int c, T mean, double variance)
        {
            T rstd = T.CreateTruncating(1 / Math.Sqrt(variance + Eps));
            Mean[c] = mean;
            Variance[c] = T.CreateTruncating(variance);
            Rstd[c] = rstd;
            return (W is null ? rstd : W[c] * rstd, B is null ? T.Zero : B[c]);
        }
    }

    private struct BackwardBody<T> : IParallelBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* X, W, Mean, Rstd, Dy, Dx, Dw, Db;
        public int Batch, Channels, Plane;

        public readonly void Invoke(int index)
        {
            if (Plane > 1) Channel(index);
            else Block(index);
        }

        private readonly void Channel(int c)
        {
            nint stride = (nint)Channels * Plane, start = (nint)c * Plane;
            T mean = Mean[c];
            double sumDy = 0, sumDyX = 0;
            for (int n = 0; n < Batch; n++)
            {
                T* x = X + start + n * stride, dy = Dy + start + n * stride;
                sumDy += double.CreateTruncating(ShortRowMath.Sum(dy, Plane));
                sumDyX += double.CreateTruncating(ShortRowMath.SumProductDeviation(dy, x, mean, Plane));
            }
            var (k, kx, k0) = Coefficients(c, sumDy, sumDyX, (double)Batch * Plane);
            if (Dx is null) return;
            for (int n = 0; n < Batch; n++)
                InputGradientRow(Dy + start + n * stride, X + start + n * stride, Dx + start + n * stride, k, kx, mean, k0, Plane);
        }

        private readonly void Block(int index)
        {
            int c0 = index * ChannelsPerBlock, width = Math.Min(ChannelsPerBlock, Channels - c0);
            T* scratch = stackalloc T[5 * width];
            var sumDy = new Span<T>(scratch, width);
            var sumDyX = new Span<T>(scratch + width, width);
            var deviation = new Span<T>(scratch + 2 * width, width);
            var k = new Span<T>(scratch + 3 * width, width);
            var kx = new Span<T>(scratch + 4 * width, width);
            var mean = new ReadOnlySpan<T>(Mean + c0, width);
            sumDy.Clear();
            sumDyX.Clear();
            for (int n = 0; n < Batch; n++)
            {
                var dy = Row(Dy, n, c0, width, Channels);
                TensorPrimitives.Add(sumDy, dy, sumDy);
                TensorPrimitives.Subtract(Row(X, n, c0, width, Channels), mean, deviation);
                TensorPrimitives.MultiplyAdd(dy, deviation, sumDyX, sumDyX);
            }
            // k0 takes sumDy's place once it is read.
            var k0 = sumDy;
            for (int i = 0; i < width; i++)
                (k[i], kx[i], k0[i]) = Coefficients(c0 + i, double.CreateTruncating(sumDy[i]), double.CreateTruncating(sumDyX[i]), Batch);
            if (Dx is null) return;
            for (int n = 0; n < Batch; n++)
            {
                var dx = Row(Dx, n, c0, width, Channels);
                TensorPrimitives.Subtract(Row(X, n, c0, width, Channels), mean, deviation);
                TensorPrimitives.MultiplyAdd(Row(Dy, n, c0, width, Channels), k, k0, dx);
                TensorPrimitives.MultiplyAdd(deviation, kx, dx, dx);
            }
        }

        // Writes channel c's dweight and dbias and returns dx's coefficients: dx = k·dy + kx·(x − mean) + k0.
        private readonly (T K, T Kx, T K0) Coefficients(int c, double sumDy, double sumDyX, double count)
        {
            double rstd = double.CreateTruncating(Rstd[c]), weight = W is null ? 1 : double.CreateTruncating(W[c]);
            if (Dw is not null) Dw[c] = T.CreateTruncating(sumDyX * rstd);
            if (Db is not null) Db[c] = T.CreateTruncating(sumDy);
            double k = weight * rstd;
            return (T.CreateTruncating(k), T.CreateTruncating(-k * rstd * rstd * sumDyX / count), T.CreateTruncating(-k * sumDy / count));
        }
    }

    // Sample n's values of channels c0..c0 + width in an NC matrix.
    private static Span<T> Row<T>(T* data, int n, int c0, int width, int channels) where T : unmanaged => new(data + (nint)n * channels + c0, width);

    // y = (x − mean)·scale + shift.
    private static void NormalizeRow<T>(T* x, T mean, T scale, T shift, T* y, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<T>.Count)
        {
            var (vm, vs, vh) = (Vector512.Create(mean), Vector512.Create(scale), Vector512.Create(shift));
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count) Vector512.Store((Vector512.Load(x + i) - vm) * vs + vh, y + i);
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<T>.Count)
        {
            var (vm, vs, vh) = (Vector256.Create(mean), Vector256.Create(scale), Vector256.Create(shift));
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count) Vector256.Store((Vector256.Load(x + i) - vm) * vs + vh, y + i);
        }
        for (; i < n; i++) y[i] = (x[i] - mean) * scale + shift;
    }

    // dx = k·dy + kx·(x − mean) + k0.
    private static void InputGradientRow<T>(T* dy, T* x, T* dx, T k, T kx, T mean, T k0, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<T>.Count)
        {
            var (vk, vkx, vm, vk0) = (Vector512.Create(k), Vector512.Create(kx), Vector512.Create(mean), Vector512.Create(k0));
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
                Vector512.Store(Vector512.Load(dy + i) * vk + (Vector512.Load(x + i) - vm) * vkx + vk0, dx + i);
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<T>.Count)
        {
            var (vk, vkx, vm, vk0) = (Vector256.Create(k), Vector256.Create(kx), Vector256.Create(mean), Vector256.Create(k0));
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
                Vector256.Store(Vector256.Load(dy + i) * vk + (Vector256.Load(x + i) - vm) * vkx + vk0, dx + i);
        }
        for (; i < n; i++) dx[i] = dy[i] * k + (x[i] - mean) * kx + k0;
    }
}
