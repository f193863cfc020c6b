namespace Backprop.Kernels;

/// <summary>
/// Shape of a 2-D pooling window over NCHW data, shared by max and average pooling: input
/// [Batch, Channels, Height, Width], output [Batch, Channels, OutHeight, OutWidth] with
/// <c>OutHeight = (Height + 2·PadH − KernelH) / StrideH + 1</c> (floor mode; likewise OutWidth). Padding is at most half
/// the kernel, as PyTorch requires, so every window holds a real element. What the padding stands for is the
/// operator's: −∞ for max pooling, zeros counted in the divisor for average pooling.
/// </summary>
internal readonly record struct Pool2dGeometry
{
    /// <summary>
    /// Creates and validates a geometry; throws <see cref="ArgumentException"/> naming <paramref name="op"/> and the bad
    /// value. <paramref name="emptyBatchAllowed"/>: whether a batch or channel count of 0 gives an empty result (as in
    /// PyTorch) instead of an error.
    /// </summary>
    public Pool2dGeometry(string op, int batch, int channels, int height, int width, int kernelH, int kernelW,
        int strideH, int strideW, int padH = 0, int padW = 0, bool emptyBatchAllowed = false)
    {
        int least = emptyBatchAllowed ? 0 : 1;
        AtLeast(op, batch, least, nameof(batch)); AtLeast(op, channels, least, nameof(channels));
        AtLeast(op, height, 1, nameof(height)); AtLeast(op, width, 1, nameof(width));
        AtLeast(op, kernelH, 1, nameof(kernelH)); AtLeast(op, kernelW, 1, nameof(kernelW));
        AtLeast(op, strideH, 1, nameof(strideH)); AtLeast(op, strideW, 1, nameof(strideW));
        if (padH < 0 || padW < 0 || 2 * padH > kernelH || 2 * padW > kernelW)
            throw new ArgumentException(
                $"{op}: padding {padH}×{padW} must be non-negative and at most half the {kernelH}×{kernelW} kernel.");
        if (kernelH > height + 2L * padH || kernelW > width + 2L * padW)
            throw new ArgumentException(
                $"{op}: the {kernelH}×{kernelW} window is larger than the padded {height + 2L * padH}×{width + 2L * padW} input.");
        if ((long)batch * channels * height * width > Array.MaxLength)
            throw new ArgumentException($"{op}: a {batch}×{channels}×{height}×{width} input is too large for one array.");
        (Batch, Channels, Height, Width, KernelH, KernelW) = (batch, channels, height, width, kernelH, kernelW);
        (StrideH, StrideW, PadH, PadW) = (strideH, strideW, padH, padW);
        OutHeight = (height + 2 * padH - kernelH) / strideH + 1;
        OutWidth = (width + 2 * padW - kernelW) / strideW + 1;

        static void AtLeast(string op, int value, int least, string name)
        {
            if (value < least)
                throw new ArgumentOutOfRangeException(name, value, $"{op}: {name} must be at least {least}, got {value}.");
        }
    }

    /// <summary>Number of samples N.</summary>
    public int Batch { get; }
    /// <summary>Channels C.</summary>
    public int Channels { get; }
    /// <summary>Input height.</summary>
    public int Height { get; }
    /// <summary>Input width.</summary>
    public int Width { get; }
    /// <summary>Window height.</summary>
    public int KernelH { get; }
    /// <summary>Window width.</summary>
    public int KernelW { get; }
    /// <summary>Vertical stride.</summary>
    public int StrideH { get; }
    /// <summary>Horizontal stride.</summary>
    public int StrideW { get; }
    /// <summary>Implicit padding above and below.</summary>
    public int PadH { get; }
    /// <summary>Implicit padding left and right.</summary>
    public int PadW { get; }
    /// <summary>Output height.</summary>
    public int OutHeight { get; }
    /// <summary>Output width.</summary>
    public int OutWidth { get; }

    /// <summary>Elements of the input (and of its gradient).</summary>
    public int InputLength => Batch * Channels * Height * Width;
    /// <summary>Elements of the output, of its gradient and of max pooling's arg-max buffer.</summary>
    public int OutputLength => Batch * Channels * OutHeight * OutWidth;
}
