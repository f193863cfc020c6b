using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace Backprop.Kernels;

/// <summary>
/// Shape of a 2-D convolution over NCHW data: input [Batch, InChannels, Height, Width], weight
/// [OutChannels, InChannels, KernelH, KernelW], output [Batch, OutChannels, OutHeight, OutWidth] with
/// <c>OutHeight = (Height + 2·PadH − DilationH·(KernelH − 1) − 1) / StrideH + 1</c> (likewise OutWidth).
/// The constructor validates everything, so a geometry value is always consistent.
/// </summary>
internal readonly record struct Conv2dGeometry
{
    /// <summary>Creates and validates a geometry; throws <see cref="ArgumentException"/> naming the bad value.</summary>
    public Conv2dGeometry(int batch, int inChannels, int height, int width, int outChannels, int kernelH, int kernelW,
        int strideH = 1, int strideW = 1, int padH = 0, int padW = 0, int dilationH = 1, int dilationW = 1)
    {
        Positive(batch, nameof(batch)); Positive(inChannels, nameof(inChannels));
        Positive(height, nameof(height)); Positive(width, nameof(width));
        Positive(outChannels, nameof(outChannels));
        Positive(kernelH, nameof(kernelH)); Positive(kernelW, nameof(kernelW));
        Positive(strideH, nameof(strideH)); Positive(strideW, nameof(strideW));
        Positive(dilationH, nameof(dilationH)); Positive(dilationW, nameof(dilationW));
        if (padH < 0 || padW < 0)
            throw new ArgumentException($"Padding must be non-negative, got padH={padH}, padW={padW}.");
        long spanH = (long)dilationH * (kernelH - 1) + 1, spanW = (long)dilationW * (kernelW - 1) + 1;
        if (spanH > height + 2L * padH || spanW > width + 2L * padW)
            throw new ArgumentException(
                $"The {kernelH}×{kernelW} kernel (dilation {dilationH}×{dilationW}, extent {spanH}×{spanW}) is larger " +
                $"than the padded {height + 2L * padH}×{width + 2L * padW} input ({height}×{width}, padding {padH}×{padW}).");
        (Batch, InChannels, Height, Width, OutChannels) = (batch, inChannels, height, width, outChannels);
        (KernelH, KernelW, StrideH, StrideW) = (kernelH, kernelW, strideH, strideW);
        (PadH, PadW, DilationH, DilationW) = (padH, padW, dilationH, dilationW);
        OutHeight = (int)((height + 2L * padH - spanH) / strideH + 1);
        OutWidth = (int)((width + 2L * padW - spanW) / strideW + 1);
        // Every buffer must be addressable by a span; checking once here keeps the kernels free of overflow checks.
        long columns = (long)inChannels * kernelH * kernelW * batch * OutHeight * OutWidth;
        long largest = Math.Max(Math.Max((long)batch * inChannels * height * width, (long)batch * outChannels * OutHeight * OutWidth),
            Math.Max(columns, (long)outChannels * inChannels * kernelH * kernelW));
        if (largest > Array.MaxLength)
            throw new ArgumentException($"Convolution {this} needs a buffer of {largest} elements, more than an array can hold.");

        static void Positive(int value, string name)
        {
            if (value <= 0)
                throw new ArgumentOutOfRangeException(name, value, $"Convolution {name} must be positive.");
        }
    }

    /// <summary>Number of samples N.</summary>
    public int Batch { get; }
    /// <summary>Input channels.</summary>
    public int InChannels { get; }
    /// <summary>Input height.</summary>
    public int Height { get; }
    /// <summary>Input width.</summary>
    public int Width { get; }
    /// <summary>Output channels.</summary>
    public int OutChannels { get; }
    /// <summary>Kernel height.</summary>
    public int KernelH { get; }
    /// <summary>Kernel width.</summary>
    public int KernelW { get; }
    /// <summary>Vertical stride.</summary>
    public int StrideH { get; }
    /// <summary>Horizontal stride.</summary>
    public int StrideW { get; }
    /// <summary>Zero padding added above and below.</summary>
    public int PadH { get; }
    /// <summary>Zero padding added left and right.</summary>
    public int PadW { get; }
    /// <summary>Vertical dilation (1 = dense kernel).</summary>
    public int DilationH { get; }
    /// <summary>Horizontal dilation (1 = dense kernel).</summary>
    public int DilationW { get; }
    /// <summary>Output height.</summary>
    public int OutHeight { get; }
    /// <summary>Output width.</summary>
    public int OutWidth { get; }

    /// <summary>Pixels per output plane, OutHeight·OutWidth.</summary>
    public int OutPlane => OutHeight * OutWidth;
    /// <summary>Rows of the im2col matrix (= weight columns), InChannels·KernelH·KernelW.</summary>
    public int ColumnRows => InChannels * KernelH * KernelW;
    /// <summary>Elements of the input (and of its gradient).</summary>
    public int InputLength => Batch * InChannels * Height * Width;
    /// <summary>Elements of the weight (and of its gradient).</summary>
    public int WeightLength => OutChannels * ColumnRows;
    /// <summary>Elements of the output (and of its gradient).</summary>
    public int OutputLength => Batch * OutChannels * OutPlane;

    /// <summary>A 1×1, stride-1, unpadded convolution: each sample is its own column matrix.</summary>
    internal bool IsPointwise => KernelH == 1 && KernelW == 1 && StrideH == 1 && StrideW == 1 && PadH == 0 && PadW == 0;

    internal static void CheckLength(int actual, long required, string name)
    {
        if (actual != required)
            throw new ArgumentException($"Buffer {name} has {actual} elements but the convolution needs exactly {required}.", name);
    }
}

/// <summary>
/// 2-D convolution (cross-correlation, as in every deep-learning library) over NCHW data, forward and both
/// backward passes, for float and double, via im2col (<see cref="Im2Col"/>) and <see cref="Gemm"/>.
/// </summary>
/// <remarks>
/// Stride-1 float convolutions on AVX-512 skip the column matrix altogether (see <see cref="GemmShiftedConv2d"/>), and
/// those of a single input channel run as a direct convolution (see <see cref="Conv2dSingleChannel"/>).
/// Determinism: results are bit-identical for any <see cref="Parallelism.MaxThreads"/>. The forward and the input
/// gradient are split over samples (independent outputs); the weight gradient sums fixed groups of samples into
/// partials that are added in group order, so its summation order does not depend on the thread count.
/// Scratch buffers come from <see cref="ArrayPool{T}.Shared"/> on the calling thread and from
/// <see cref="ScratchBufferPool"/> in work items on pool threads, so steady-state calls allocate nothing.
/// </remarks>
internal static unsafe class Conv2dKernel
{
    /// <summary>
    /// output[n, co] = bias[co] + Σ_{ci, ki, kj} weight[co, ci, ki, kj] · input[n, ci, oh·sH − pH + ki·dH, ow·sW − pW + kj·dW].
    /// </summary>
    /// <param name="input">[Batch, InChannels, Height, Width].</param>
    /// <param name="weight">[OutChannels, InChannels, KernelH, KernelW].</param>
    /// <param name="bias">[OutChannels], or empty for no bias.</param>
    /// <param name="output">[Batch, OutChannels, OutHeight, OutWidth]; overwritten.</param>
    /// <param name="geometry">The shapes.</param>
    public static void Forward<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, Span<T> output,
        in Conv2dGeometry geometry) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = geometry;
        Conv2dGeometry.CheckLength(input.Length, g.InputLength, nameof(input));
        Conv2dGeometry.CheckLength(weight.Length, g.WeightLength, nameof(weight));
        if (!bias.IsEmpty)
            Conv2dGeometry.CheckLength(bias.Length, g.OutChannels, nameof(bias));
        Conv2dGeometry.CheckLength(output.Length, g.OutputLength, nameof(output));
        fixed (T* pIn = input) fixed (T* pW = weight) fixed (T* pB = bias) fixed (T* pOut = output)
        {
            if (Conv2dSingleChannel.Handles<T>(g))
            {
                Conv2dSingleChannel.Forward((float*)pIn, (float*)pW, bias.IsEmpty ? null : (float*)pB, (float*)pOut, g);
                return;
            }
            if (WinogradConv2d.Handles<T>(g))
            {
                WinogradConv2d.Forward((float*)pIn, (float*)pW, bias.IsEmpty ? null : (float*)pB, (float*)pOut, g);
                return;
            }
            if (GemmShiftedConv2d.HandlesForward<T>(g))
            {
                GemmShiftedConv2d.Forward((float*)pIn, (float*)pW, bias.IsEmpty ? null : (float*)pB, (float*)pOut, g);
                return;
            }
            var body = new SampleBody<T> { X = pIn, W = pW, Bias = bias.IsEmpty ? null : pB, Y = pOut, G = g };
            Parallelism.For(g.Batch, (long)g.WeightLength * g.OutPlane, body);
        }
    }

    /// <summary>
    /// relu(max_pool2d(<see cref="Forward{T}"/>)) over 2×2 windows of stride 2, with each window's arg-max as
    /// <see cref="MaxPool2dKernel"/> gives it. Where the shifted product or the single-channel direct kernel computes the
    /// convolution, the pooling runs in its epilogue on each sample's scratch (<see cref="GemmShiftedConv2d.ForwardReluMaxPool2x2"/>,
    /// <see cref="Conv2dSingleChannel.ForwardReluMaxPool2x2"/>) and the full-size output is never made; elsewhere the
    /// three steps run one after the other. Either way the same bits.
    /// </summary>
    /// <param name="input">[Batch, InChannels, Height, Width].</param>
    /// <param name="weight">[OutChannels, InChannels, KernelH, KernelW].</param>
    /// <param name="bias">[OutChannels], or empty for no bias.</param>
    /// <param name="pooled">[Batch, OutChannels, OutHeight / 2, OutWidth / 2]; overwritten.</param>
    /// <param name="argMax">Of <paramref name="pooled"/>'s length: in-plane flat indices into the convolution's output.</param>
    /// <param name="geometry">The convolution.</param>
    public static void ForwardReluMaxPool2x2<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias, Span<T> pooled,
        Span<int> argMax, in Conv2dGeometry geometry) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = geometry;
        var pool = new Pool2dGeometry("max_pool2d", g.Batch, g.OutChannels, g.OutHeight, g.OutWidth, 2, 2, 2, 2, 0, 0);
        Conv2dGeometry.CheckLength(input.Length, g.InputLength, nameof(input));
        Conv2dGeometry.CheckLength(weight.Length, g.WeightLength, nameof(weight));
        if (!bias.IsEmpty)
            Conv2dGeometry.CheckLength(bias.Length, g.OutChannels, nameof(bias));
        Conv2dGeometry.CheckLength(pooled.Length, pool.OutputLength, nameof(pooled));
        Conv2dGeometry.CheckLength(argMax.Length, pool.OutputLength, nameof(argMax));
        bool direct = Conv2dSingleChannel.Handles<T>(g), winograd = !direct && WinogradConv2d.Handles<T>(g);
        if (direct || winograd || GemmShiftedConv2d.HandlesForward<T>(g))
        {
            fixed (T* pIn = input) fixed (T* pW = weight) fixed (T* pB = bias) fixed (T* pOut = pooled) fixed (int* pArg = argMax)
            {
                float* b = bias.IsEmpty ? null : (float*)pB;
                if (direct) Conv2dSingleChannel.ForwardReluMaxPool2x2((float*)pIn, (float*)pW, b, (float*)pOut, pArg, g);
                else if (winograd) WinogradConv2d.ForwardReluMaxPool2x2((float*)pIn, (float*)pW, b, (float*)pOut, pArg, g);
                else GemmShiftedConv2d.ForwardReluMaxPool2x2((float*)pIn, (float*)pW, b, (float*)pOut, pArg, g);
            }
            return;
        }
        T[] full = ArrayPool<T>.Shared.Rent(g.OutputLength);
        try
        {
            var y = full.AsSpan(0, g.OutputLength);
            Forward(input, weight, bias, y, g);
            MaxPool2dKernel.Forward<T>(y, pooled, argMax, pool);
            new ReluFunction().Invoke<T>(pooled, pooled);
        }
        finally
        {
            ArrayPool<T>.Shared.Return(full);
        }
    }

    /// <summary>
    /// Gradient with respect to the input: gradInput = Σ over the forward's uses of each input element of
    /// weight · gradOutput (a transposed convolution).
    /// </summary>
    /// <param name="gradOutput">[Batch, OutChannels, OutHeight, OutWidth].</param>
    /// <param name="weight">[OutChannels, InChannels, KernelH, KernelW].</param>
    /// <param name="gradInput">[Batch, InChannels, Height, Width]; overwritten, or added to when <paramref name="accumulate"/>.</param>
    /// <param name="geometry">The shapes.</param>
    /// <param name="accumulate">Add to <paramref name="gradInput"/> instead of overwriting it.</param>
    public static void BackwardInput<T>(ReadOnlySpan<T> gradOutput, ReadOnlySpan<T> weight, Span<T> gradInput,
        in Conv2dGeometry geometry, bool accumulate = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = geometry;
        Conv2dGeometry.CheckLength(gradOutput.Length, g.OutputLength, nameof(gradOutput));
        Conv2dGeometry.CheckLength(weight.Length, g.WeightLength, nameof(weight));
        Conv2dGeometry.CheckLength(gradInput.Length, g.InputLength, nameof(gradInput));
        fixed (T* pGy = gradOutput) fixed (T* pW = weight) fixed (T* pGx = gradInput)
        {
            if (WinogradConv2d.Handles<T>(g))
            {
                WinogradConv2d.BackwardInput((float*)pGy, null, (float*)pW, (float*)pGx, g, accumulate);
                return;
            }
            if (GemmShiftedConv2d.HandlesBackwardInput<T>(g))
            {
                GemmShiftedConv2d.BackwardInput((float*)pGy, (float*)pW, (float*)pGx, g, accumulate);
                return;
            }
            var body = new SampleBody<T> { X = pGx, W = pW, Y = pGy, G = g, Backward = true, Accumulate = accumulate };
            Parallelism.For(g.Batch, (long)g.WeightLength * g.OutPlane, body);
        }
    }

    /// <summary>
    /// Gradients with respect to the weight, gradWeight[co, ci, ki, kj] = Σ_{n, oh, ow} gradOutput[n, co, oh, ow] ·
    /// input[n, ci, ...], and to the bias, gradBias[co] = Σ_{n, oh, ow} gradOutput[n, co, oh, ow].
    /// </summary>
    /// <param name="gradOutput">[Batch, OutChannels, OutHeight, OutWidth].</param>
    /// <param name="input">The forward input, [Batch, InChannels, Height, Width].</param>
    /// <param name="gradWeight">[OutChannels, InChannels, KernelH, KernelW]; overwritten, or added to when <paramref name="accumulate"/>.</param>
    /// <param name="gradBias">[OutChannels], or empty to skip the bias gradient; overwritten or added to likewise.</param>
    /// <param name="geometry">The shapes.</param>
    /// <param name="accumulate">Add to the gradients instead of overwriting them.</param>
    public static void BackwardWeight<T>(ReadOnlySpan<T> gradOutput, ReadOnlySpan<T> input, Span<T> gradWeight,
        Span<T> gradBias, in Conv2dGeometry geometry, bool accumulate = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = geometry;
        Conv2dGeometry.CheckLength(gradOutput.Length, g.OutputLength, nameof(gradOutput));
        Conv2dGeometry.CheckLength(input.Length, g.InputLength, nameof(input));
        Conv2dGeometry.CheckLength(gradWeight.Length, g.WeightLength, nameof(gradWeight));
        if (!gradBias.IsEmpty)
            Conv2dGeometry.CheckLength(gradBias.Length, g.OutChannels, nameof(gradBias));

        if (Conv2dSingleChannel.Handles<T>(g))
        {
            fixed (T* pGy = gradOutput) fixed (T* pIn = input) fixed (T* pGw = gradWeight) fixed (T* pGb = gradBias)
                Conv2dSingleChannel.WeightGradient((float*)pGy, (float*)pIn, (float*)pGw, gradBias.IsEmpty ? null : (float*)pGb, g, accumulate);
            return;
        }

        fixed (T* pGy = gradOutput) fixed (T* pIn = input) fixed (T* pGw = gradWeight) fixed (T* pGb = gradBias)
            BackwardWeightInGroups(pGy, null, pIn, pGw, gradBias.IsEmpty ? null : pGb, g, accumulate);
    }

    /// <summary>
    /// <see cref="BackwardInput{T}"/> and <see cref="BackwardWeight{T}"/> for the convolution inside relu(max_pool2d(·, 2))
    /// (<see cref="ForwardReluMaxPool2x2{T}"/>), from the gradient at the pooled outputs: <paramref name="pooledGradient"/>
    /// [Batch, OutChannels, OutHeight / 2, OutWidth / 2] with ReLU's mask applied, and the forward's arg-maxes. Only
    /// where <see cref="TakesPooledGradient{T}"/>: the Winograd path lays out each sample's output gradient from them
    /// directly, so the full-size gradient is never made, with the same bits as max_pool2d's backward then these two.
    /// </summary>
    /// <param name="pooledGradient">[Batch, OutChannels, OutHeight / 2, OutWidth / 2].</param>
    /// <param name="argMax">Of <paramref name="pooledGradient"/>'s length: in-plane flat indices into the convolution's output.</param>
    /// <param name="input">The forward input, [Batch, InChannels, Height, Width].</param>
    /// <param name="weight">[OutChannels, InChannels, 3, 3].</param>
    /// <param name="gradInput">Overwritten; empty to skip the input gradient.</param>
    /// <param name="gradWeight">Overwritten; empty to skip the weight and bias gradients.</param>
    /// <param name="gradBias">Overwritten; empty to skip the bias gradient.</param>
    /// <param name="geometry">The convolution.</param>
    public static void BackwardFromPooled(ReadOnlySpan<float> pooledGradient, ReadOnlySpan<int> argMax, ReadOnlySpan<float> input,
        ReadOnlySpan<float> weight, Span<float> gradInput, Span<float> gradWeight, Span<float> gradBias, in Conv2dGeometry geometry)
    {
        var g = geometry;
        if (!TakesPooledGradient<float>(g))
            throw new InvalidOperationException("internal: BackwardFromPooled on a convolution the Winograd path does not compute");
        int pooled = g.Batch * g.OutChannels * (g.OutHeight / 2) * (g.OutWidth / 2);
        Conv2dGeometry.CheckLength(pooledGradient.Length, pooled, nameof(pooledGradient));
        Conv2dGeometry.CheckLength(argMax.Length, pooled, nameof(argMax));
        Conv2dGeometry.CheckLength(input.Length, g.InputLength, nameof(input));
        Conv2dGeometry.CheckLength(weight.Length, g.WeightLength, nameof(weight));
        fixed (float* pGp = pooledGradient) fixed (int* pArg = argMax) fixed (float* pIn = input) fixed (float* pW = weight)
        fixed (float* pGx = gradInput) fixed (float* pGw = gradWeight) fixed (float* pGb = gradBias)
        {
            if (!gradInput.IsEmpty)
            {
                Conv2dGeometry.CheckLength(gradInput.Length, g.InputLength, nameof(gradInput));
                WinogradConv2d.BackwardInput(pGp, pArg, pW, pGx, g, accumulate: false);
            }
            if (!gradWeight.IsEmpty)
            {
                Conv2dGeometry.CheckLength(gradWeight.Length, g.WeightLength, nameof(gradWeight));
                if (!gradBias.IsEmpty)
                    Conv2dGeometry.CheckLength(gradBias.Length, g.OutChannels, nameof(gradBias));
                BackwardWeightInGroups(pGp, pArg, pIn, pGw, gradBias.IsEmpty ? null : pGb, g, accumulate: false);
            }
        }
    }

    /// <summary>Whether <see cref="BackwardFromPooled"/> computes <paramref name="g"/>'s gradients.</summary>
    public static bool TakesPooledGradient<T>(in Conv2dGeometry g) => WinogradConv2d.Handles<T>(g);

    /// <summary>
    /// The weight (and, with <paramref name="pGb"/>, bias) gradient from the full output gradient, or with
    /// <paramref name="pooledArgMax"/> from a pooled one (Winograd path only).
    /// </summary>
    private static void BackwardWeightInGroups<T>(T* pGy, int* pooledArgMax, T* pIn, T* pGw, T* pGb, in Conv2dGeometry g, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // The batch is cut into fixed groups of samples; each group sums its samples' gradients (in sample order)
        // into its own partial, and the partials are added in group order. The grouping depends only on the batch
        // size, so the summation order — and every bit of the result — is the same for any number of threads,
        // while each sample's column matrix stays small enough to live in L2 (one whole-batch matrix would not).
        int k = g.ColumnRows, cout = g.OutChannels, size = cout * k;
        int groups = (g.Batch + WeightGradientGroup - 1) / WeightGradientGroup;
        T[] partials = ArrayPool<T>.Shared.Rent(groups * (size + cout));
        try
        {
            fixed (T* pPart = partials)
            {
                var body = new WeightGradientBody<T> { GradOutput = pGy, PooledArgMax = pooledArgMax, Input = pIn, Partials = pPart, G = g };
                Parallelism.For(groups, (long)WeightGradientGroup * size * g.OutPlane, body);
                var w = new Span<T>(pGw, size);
                var first = new ReadOnlySpan<T>(pPart, size);
                if (accumulate) TensorPrimitives.Add(w, first, w);
                else first.CopyTo(w);
                for (int gi = 1; gi < groups; gi++)
                    TensorPrimitives.Add(w, new ReadOnlySpan<T>(pPart + (nint)gi * size, size), w);
                if (pGb != null)
                {
                    var b = new Span<T>(pGb, cout);
                    T* biasPartials = pPart + (nint)groups * size;
                    if (!accumulate) b.Clear();
                    for (int gi = 0; gi < groups; gi++)
                        TensorPrimitives.Add(b, new ReadOnlySpan<T>(biasPartials + (nint)gi * cout, cout), b);
                }
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(partials);
        }
    }

    /// <summary>Samples per partial weight gradient: enough work per item to split a batch of 64 over cores.</summary>
    private const int WeightGradientGroup = 8;

    /// <summary>One group of samples' weight and bias gradient: partial[Cout, K] = Σ_n gy_n[Cout, P] · cols_n[K, P]ᵀ.</summary>
    private struct WeightGradientBody<T> : IParallelBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* GradOutput, Input, Partials;
        // Set when GradOutput is a pooled gradient (see BackwardFromPooled): its arg-maxes.
        public int* PooledArgMax;
        public Conv2dGeometry G;

        public readonly void Invoke(int group)
        {
            var g = G;
            int k = g.ColumnRows, p = g.OutPlane, cout = g.OutChannels, size = cout * k;
            int groups = (g.Batch + WeightGradientGroup - 1) / WeightGradientGroup;
            int first = group * WeightGradientGroup, last = Math.Min(g.Batch, first + WeightGradientGroup);
            T* partial = Partials + (nint)group * size;
            T* biasPartial = Partials + (nint)groups * size + (nint)group * cout;
            new Span<T>(biasPartial, cout).Clear();
            if (PooledArgMax != null)
            {
                WinogradConv2d.WeightGradient((float*)GradOutput, PooledArgMax, (float*)Input, (float*)partial, g, first, last - first);
                PooledBiasSums(first, last, biasPartial);
                return;
            }
            bool winograd = WinogradConv2d.Handles<T>(g);
            if (winograd || GemmShiftedConv2d.Handles<T>(g))
            {
                if (winograd) WinogradConv2d.WeightGradient((float*)GradOutput, null, (float*)Input, (float*)partial, g, first, last - first);
                else GemmShiftedConv2d.WeightGradient((float*)GradOutput, (float*)Input, (float*)partial, g, first, last - first);
                for (int n = first; n < last; n++)
                    for (int co = 0; co < cout; co++)
                        biasPartial[co] += TensorPrimitives.Sum(new ReadOnlySpan<T>(GradOutput + ((nint)n * cout + co) * p, p));
                return;
            }
            // When K is the smaller side (first layers: K = 9) the product is computed transposed, [K, Cout], which
            // keeps the GEMM's wide micro-tiles full, and turned around once at the end.
            bool transposed = k < cout;
            var scratch = ScratchBufferPool.Shared.Rent();
            T* buffer = scratch.Get<T>(0, k * p + (transposed ? size : 0));
            T* cols = buffer, product = transposed ? buffer + (nint)k * p : partial;
            int planeIn = g.InChannels * g.Height * g.Width;
            for (int n = first; n < last; n++)
            {
                T* gy = GradOutput + (nint)n * cout * p;
                if (g.IsPointwise) cols = Input + (nint)n * planeIn; // the sample is its own [Cin, P] column matrix
                else
                    for (int c = 0; c < g.InChannels; c++)
                        Im2Col.UnfoldChannel(Input, cols, g, n, 1, 0, c);
                if (transposed) MatMul(cols, gy, product, k, cout, p, transA: false, transB: true, accumulate: n > first);
                else MatMul(gy, cols, product, cout, k, p, transA: false, transB: true, accumulate: n > first);
                for (int co = 0; co < cout; co++)
                    biasPartial[co] += TensorPrimitives.Sum(new ReadOnlySpan<T>(gy + (nint)co * p, p));
            }
            if (transposed)
                for (int co = 0; co < cout; co++)
                    for (int r = 0; r < k; r++)
                        partial[co * k + r] = product[r * cout + co];
            ScratchBufferPool.Shared.Return(scratch);
        }

        // The bias sums of samples [first, last) from a pooled gradient: each plane unpooled as max_pool2d's backward
        // makes it and summed as a full one is, so the bits are those of unpooling first.
        private readonly void PooledBiasSums(int first, int last, T* biasPartial)
        {
            var g = G;
            int outPlane = g.OutHeight / 2 * (g.OutWidth / 2), p = g.OutPlane;
            var scratch = ScratchBufferPool.Shared.Rent();
            float* plane = scratch.Get<float>(0, p);
            float* sums = (float*)biasPartial;
            for (int n = first; n < last; n++)
                for (int co = 0; co < g.OutChannels; co++)
                {
                    nint at = ((nint)n * g.OutChannels + co) * outPlane;
                    WinogradConv2d.UnpoolPlane((float*)GradOutput + at, PooledArgMax + at, g.OutHeight, g.OutWidth, plane);
                    sums[co] += TensorPrimitives.Sum(new ReadOnlySpan<float>(plane, p));
                }
            ScratchBufferPool.Shared.Return(scratch);
        }
    }

    /// <summary>
    /// One sample of the forward (Y = W·cols(X) + bias) or of the input gradient (X = col2im(Wᵀ·Y)).
    /// Each item runs single-threaded (nested loops run inline), with its own scratch column matrix.
    /// </summary>
    private struct SampleBody<T> : IParallelBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* X, W, Bias, Y;
        public Conv2dGeometry G;
        public bool Backward, Accumulate;

        public readonly void Invoke(int n)
        {
            var g = G;
            int k = g.ColumnRows, p = g.OutPlane, planeIn = g.InChannels * g.Height * g.Width;
            T* x = X + (nint)n * planeIn, y = Y + (nint)n * g.OutChannels * p;
            if (g.IsPointwise)
            {
                // The sample itself is the [InChannels, P] column matrix.
                if (Backward)
                    MatMul(W, y, x, k, p, g.OutChannels, transA: true, transB: false, Accumulate);
                else
                    MatMul(W, x, y, g.OutChannels, p, k, transA: false, transB: false, accumulate: false);
            }
            else
            {
                var scratch = ScratchBufferPool.Shared.Rent();
                T* cols = scratch.Get<T>(0, k * p);
                if (Backward)
                {
                    MatMul(W, y, cols, k, p, g.OutChannels, transA: true, transB: false, accumulate: false);
                    if (!Accumulate)
                        new Span<T>(x, planeIn).Clear();
                    for (int c = 0; c < g.InChannels; c++)
                        Im2Col.FoldChannel(X, cols, g, n, 1, 0, c);
                }
                else
                {
                    for (int c = 0; c < g.InChannels; c++)
                        Im2Col.UnfoldChannel(X, cols, g, n, 1, 0, c);
                    MatMul(W, cols, y, g.OutChannels, p, k, transA: false, transB: false, accumulate: false);
                }
                ScratchBufferPool.Shared.Return(scratch);
            }
            if (!Backward && Bias != null)
            {
                for (int co = 0; co < g.OutChannels; co++)
                {
                    var row = new Span<T>(y + (nint)co * p, p);
                    TensorPrimitives.Add(row, Bias[co], row);
                }
            }
        }
    }

    private static void MatMul<T>(T* a, T* b, T* c, int m, int n, int k, bool transA, bool transB, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Gemm.Multiply(new ReadOnlySpan<T>(a, m * k), new ReadOnlySpan<T>(b, k * n), new Span<T>(c, m * n), m, n, k, transA, transB, accumulate);
}
