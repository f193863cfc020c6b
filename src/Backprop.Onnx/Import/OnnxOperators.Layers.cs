using Backprop.Ops;

namespace Backprop.Onnx;

// Linear layers, convolution, pooling, normalization, softmax and losses.
internal static partial class OnnxOperators
{
    // y = α·A'·B' + β·C; PyTorch's Linear exports as Gemm with transB = 1, which is Backprop's fused Linear.
    private static Tensor Gemm(OnnxNodeContext c)
    {
        Tensor a = c.Input(0), b = c.Input(1);
        var bias = c.OptionalInput(2);
        double alpha = c.Float("alpha", 1f), beta = c.Float("beta", 1f);
        bool transA = c.Int("transA", 0) != 0, transB = c.Int("transB", 0) != 0;
        if (a.Rank != 2 || b.Rank != 2) throw c.Error($"expected 2-D A and B, got {Shapes.Format(a.ShapeArray)} and {Shapes.Format(b.ShapeArray)}");
        if (!transA && transB && alpha == 1 && beta == 1 && a.DType == b.DType
            && (bias is null || bias.Rank == 1 && bias.ShapeArray[0] == b.ShapeArray[0] && bias.DType == a.DType))
            return Tensor.Linear(a, b, bias);
        var y = Tensor.MatMul(transA ? a.T : a, transB ? b.T : b);
        if (alpha != 1) y = y * alpha;
        if (bias is not null && beta != 0) y = y + (beta == 1 ? bias : bias * beta);
        return y;
    }

    private static int[] SpatialAxes(Tensor x) => [.. Enumerable.Range(2, Math.Max(x.Rank - 2, 0))];

    private static int[] SpatialInts(OnnxNodeContext c, string name, int spatial, int fallback)
    {
        if (c.IntList(name) is not { } values) return [.. Enumerable.Repeat(fallback, spatial)];
        if (values.Length != spatial) throw c.Error($"'{name}' has {values.Length} entries for {spatial} spatial axes");
        return ToInts(values, c, name);
    }

    /// <summary>The padding before and after each spatial axis, from 'pads' or 'auto_pad' (SAME_UPPER, SAME_LOWER, VALID).</summary>
    private static (int[] Begin, int[] End) SpatialPads(OnnxNodeContext c, ReadOnlySpan<int> input, int[] window, int[] strides)
    {
        int n = window.Length;
        string autoPad = c.String("auto_pad") ?? "NOTSET";
        var begin = new int[n];
        var end = new int[n];
        switch (autoPad)
        {
            case "NOTSET":
                if (c.IntList("pads") is { } pads)
                {
                    if (pads.Length != 2 * n) throw c.Error($"'pads' has {pads.Length} entries for {n} spatial axes (expected {2 * n})");
                    var p = ToInts(pads, c, "pad");
                    if (p.Any(v => v < 0)) throw c.Error($"negative pads [{string.Join(", ", p)}]");
                    p[..n].CopyTo(begin, 0);
                    p[n..].CopyTo(end, 0);
                }
                break;
            case "VALID":
                break;
            case "SAME_UPPER":
            case "SAME_LOWER":
                for (int d = 0; d < n; d++)
                {
                    int output = (input[d] + strides[d] - 1) / strides[d];
                    int total = Math.Max(0, (output - 1) * strides[d] + window[d] - input[d]);
                    int small = total / 2;
                    (begin[d], end[d]) = autoPad == "SAME_UPPER" ? (small, total - small) : (total - small, small);
                }
                break;
            default:
                throw c.Error($"auto_pad '{autoPad}' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER");
        }
        return (begin, end);
    }

    private static Tensor Conv(OnnxNodeContext c)
    {
        Tensor x = c.Input(0), w = c.Input(1);
        var bias = c.OptionalInput(2);
        int spatial = x.Rank - 2;
        if (spatial is not (1 or 2 or 3)) throw c.Unsupported($"Conv over {spatial} spatial axes (1-D, 2-D and 3-D are)");
        if (w.Rank != x.Rank) throw c.Error($"the weight {Shapes.Format(w.ShapeArray)} does not match the input {Shapes.Format(x.ShapeArray)}");
        var kernel = w.ShapeArray[2..];
        var strides = SpatialInts(c, "strides", spatial, 1);
        var dilations = SpatialInts(c, "dilations", spatial, 1);
        int groups = (int)c.Int("group", 1);
        int cin = x.ShapeArray[1], cout = w.ShapeArray[0];
        if (groups <= 0 || cin % groups != 0 || cout % groups != 0 || w.ShapeArray[1] * groups != cin)
            throw c.Error($"group {groups} does not fit {cin} input channels, {cout} output channels and the weight {Shapes.Format(w.ShapeArray)}");
        var effective = kernel.Select((k, d) => (k - 1) * dilations[d] + 1).ToArray();
        var (begin, end) = SpatialPads(c, x.ShapeArray.AsSpan(2), effective, strides);
        return Convolve(x, w, bias, strides, dilations, begin, end, groups);
    }

    /// <summary>A 1-, 2- or 3-D convolution with per-axis strides, dilations and (possibly asymmetric) pads, and groups.</summary>
    private static Tensor Convolve(Tensor x, Tensor w, Tensor? bias, int[] strides, int[] dilations, int[] begin, int[] end, int groups)
    {
        int spatial = x.Rank - 2;
        if (spatial == 3) return Conv3d(x, w, bias, strides, dilations, begin, end, groups);

        if (spatial == 1)
        {
            // A 1-D convolution is a 2-D one of height 1 (reshapes are views).
            x = x.Reshape(x.ShapeArray[0], x.ShapeArray[1], 1, x.ShapeArray[2]);
            w = w.Reshape(w.ShapeArray[0], w.ShapeArray[1], 1, w.ShapeArray[2]);
            strides = [1, strides[0]];
            dilations = [1, dilations[0]];
            begin = [0, begin[0]];
            end = [0, end[0]];
        }
        for (int d = 0; d < 2; d++)
            if (dilations[d] > 1) w = Dilate(w, 2 + d, dilations[d]);
        int padH = begin[0], padW = begin[1];
        if (begin[0] != end[0] || begin[1] != end[1])
        {
            x = x.Pad(TorchPads([0, 0, begin[0], begin[1]], [0, 0, end[0], end[1]]));
            padH = padW = 0;
        }
        var y = GroupedConv2d(x, w, bias, strides[0], strides[1], padH, padW, groups);
        return spatial == 1 ? y.Reshape(y.ShapeArray[0], y.ShapeArray[1], y.ShapeArray[3]) : y;
    }

    /// <summary>
    /// The transposed convolution as a convolution: the input spread out by the strides (zeros between its elements),
    /// padded by the kernel's extent less the pads (negative pads crop), convolved at stride 1 with the kernel flipped
    /// and its channel axes swapped per group.
    /// </summary>
    private static Tensor ConvTranspose(OnnxNodeContext c)
    {
        Tensor x = c.Input(0), w = c.Input(1);
        var bias = c.OptionalInput(2);
        int spatial = x.Rank - 2;
        if (spatial is not (1 or 2 or 3)) throw c.Unsupported($"ConvTranspose over {spatial} spatial axes (1-D, 2-D and 3-D are)");
        if (w.Rank != x.Rank) throw c.Error($"the weight {Shapes.Format(w.ShapeArray)} does not match the input {Shapes.Format(x.ShapeArray)}");
        int groups = (int)c.Int("group", 1);
        int cin = x.ShapeArray[1];
        if (groups <= 0 || cin % groups != 0 || w.ShapeArray[0] != cin)
            throw c.Error($"group {groups} does not fit {cin} input channels and the weight {Shapes.Format(w.ShapeArray)}");
        var kernel = w.ShapeArray[2..];
        var strides = SpatialInts(c, "strides", spatial, 1);
        var dilations = SpatialInts(c, "dilations", spatial, 1);
        var outputPadding = SpatialInts(c, "output_padding", spatial, 0);
        var effective = kernel.Select((k, d) => (k - 1) * dilations[d] + 1).ToArray();
        var input = x.ShapeArray[2..];
        string autoPad = c.String("auto_pad") ?? "NOTSET";
        var begin = new int[spatial];
        var end = new int[spatial];
        long[]? outputShape = c.IntList("output_shape");
        if (outputShape is not null && outputShape.Length > spatial) outputShape = outputShape[^spatial..];
        if (outputShape is not null || autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            for (int d = 0; d < spatial; d++)
            {
                long target = outputShape?[d] ?? (long)input[d] * strides[d];
                int total = (int)(strides[d] * (input[d] - 1L) + outputPadding[d] + effective[d] - target);
                int half = (int)Math.Floor(total / 2.0); // floor, as ONNX's reference: a negative total (a larger output) grows the end
                (begin[d], end[d]) = autoPad == "SAME_UPPER" ? (half, total - half) : (total - half, half);
            }
        }
        else if (autoPad == "NOTSET" && c.IntList("pads") is { } pads)
        {
            if (pads.Length != 2 * spatial) throw c.Error($"'pads' has {pads.Length} entries for {spatial} spatial axes (expected {2 * spatial})");
            var p = ToInts(pads, c, "pad");
            p[..spatial].CopyTo(begin, 0);
            p[spatial..].CopyTo(end, 0);
        }

        var spread = x;
        for (int d = 0; d < spatial; d++)
            if (strides[d] > 1) spread = Dilate(spread, 2 + d, strides[d]);
        var before = new int[spatial];
        var after = new int[spatial];
        for (int d = 0; d < spatial; d++)
        {
            before[d] = effective[d] - 1 - begin[d];
            after[d] = effective[d] - 1 - end[d] + outputPadding[d];
        }
        spread = spread.Pad(TorchPads([0, 0, .. before], [0, 0, .. after]));

        // [Cin, Cout/g, k...] → per group [Cout/g, Cin/g, k...], flipped along every spatial axis.
        var flipped = w;
        for (int d = 0; d < spatial; d++)
            flipped = flipped.IndexSelect(2 + d, [.. Enumerable.Range(0, kernel[d]).Reverse()]);
        var perGroup = flipped.Split(cin / groups, 0).Select(g => g.Transpose(0, 1)).ToArray();
        var weight = perGroup.Length == 1 ? perGroup[0].Contiguous() : Tensor.Concat(perGroup, 0);
        var ones = Enumerable.Repeat(1, spatial).ToArray();
        return Convolve(spread, weight, bias, ones, dilations, new int[spatial], new int[spatial], groups);
    }

    private static Tensor GroupedConv2d(Tensor x, Tensor w, Tensor? bias, int strideH, int strideW, int padH, int padW, int groups)
    {
        if (groups == 1) return Conv2dOp.Apply(x, w, bias, strideH, strideW, padH, padW);
        var xs = x.Split(x.ShapeArray[1] / groups, 1);
        var ws = w.Split(w.ShapeArray[0] / groups, 0);
        var bs = bias?.Split(w.ShapeArray[0] / groups, 0);
        return Tensor.Concat([.. Enumerable.Range(0, groups).Select(g => Conv2dOp.Apply(xs[g], ws[g], bs?[g], strideH, strideW, padH, padW))], 1);
    }

    // A 3-D convolution as the sum over the kernel's depth taps of 2-D convolutions of strided depth slices, each
    // slice's depths folded into the batch: exact, differentiable, and on the 2-D kernels.
    private static Tensor Conv3d(Tensor x, Tensor w, Tensor? bias, int[] strides, int[] dilations, int[] begin, int[] end, int groups)
    {
        x = x.Pad(TorchPads([0, 0, .. begin], [0, 0, .. end]));
        for (int d = 1; d < 3; d++)
            if (dilations[d] > 1) w = Dilate(w, 2 + d, dilations[d]);
        int n = x.ShapeArray[0], channels = x.ShapeArray[1], depth = x.ShapeArray[2], height = x.ShapeArray[3], width = x.ShapeArray[4];
        int outChannels = w.ShapeArray[0], taps = w.ShapeArray[2];
        int outDepth = (depth - ((taps - 1) * dilations[0] + 1)) / strides[0] + 1;
        if (outDepth <= 0) throw new ArgumentException($"conv3d: the kernel depth {taps} (dilation {dilations[0]}) exceeds the padded depth {depth}");
        Tensor? sum = null;
        for (int k = 0; k < taps; k++)
        {
            int start = k * dilations[0];
            var slices = x.Slice(2, start, start + (outDepth - 1) * strides[0] + 1, strides[0])
                .Permute(0, 2, 1, 3, 4).Reshape(n * outDepth, channels, height, width);
            var tap = w.Slice(2, k, k + 1).Reshape(outChannels, w.ShapeArray[1], w.ShapeArray[3], w.ShapeArray[4]);
            var y = GroupedConv2d(slices, tap, null, strides[1], strides[2], 0, 0, groups);
            sum = sum is null ? y : sum + y;
        }
        var result = sum!.Reshape(n, outDepth, outChannels, sum.ShapeArray[2], sum.ShapeArray[3]).Permute(0, 2, 1, 3, 4);
        return bias is null ? result : result + bias.Reshape(outChannels, 1, 1, 1);
    }

    // A dilated kernel as a dense one with zeros between its taps: [.., k, ..] → [.., (k − 1)·d + 1, ..], differentiable.
    private static Tensor Dilate(Tensor w, int axis, int dilation)
    {
        var zeros = Tensor.ZerosLike(w);
        var parts = new Tensor[dilation];
        parts[0] = w;
        for (int i = 1; i < dilation; i++) parts[i] = zeros;
        var stacked = Tensor.Stack(parts, axis + 1);
        var shape = (int[])w.ShapeArray.Clone();
        shape[axis] *= dilation;
        return stacked.Reshape(shape).Slice(axis, 0, (w.ShapeArray[axis] - 1) * dilation + 1);
    }

    private static Tensor?[] MaxPool(OnnxNodeContext c)
    {
        if (c.WantsOutput(1)) throw c.Unsupported("MaxPool's Indices output");
        return [Pool(c, max: true)];
    }

    private static Tensor AveragePool(OnnxNodeContext c) => Pool(c, max: false);

    /// <summary>
    /// Max and average pooling over any number of spatial axes, with ONNX's pads, strides, dilations and ceil mode.
    /// Square 2-D windows use Backprop's pooling kernels; other shapes take the maximum (or sum) of one strided view
    /// per window offset, which is exact and differentiable.
    /// </summary>
    private static Tensor Pool(OnnxNodeContext c, bool max)
    {
        var x = c.Input(0);
        // Integer images (uint8) pool exactly in float64.
        if (x.DType == DType.Int32) return PoolFloat(c, x.To(DType.Float64), max).To(DType.Int32);
        return PoolFloat(c, x, max);
    }

    private static Tensor PoolFloat(OnnxNodeContext c, Tensor x, bool max)
    {
        int spatial = x.Rank - 2;
        if (spatial < 1) throw c.Error($"expected an input [N, C, spatial...], got {Shapes.Format(x.ShapeArray)}");
        var kernel = c.IntList("kernel_shape") is { } k ? ToInts(k, c, "kernel size") : throw c.Error("expected 'kernel_shape'");
        if (kernel.Length != spatial) throw c.Error($"kernel_shape has {kernel.Length} entries for {spatial} spatial axes");
        var strides = SpatialInts(c, "strides", spatial, 1);
        var dilations = SpatialInts(c, "dilations", spatial, 1);
        bool ceil = c.Int("ceil_mode", 0) != 0;
        bool includePad = c.Int("count_include_pad", 0) != 0;
        var effective = kernel.Select((kk, d) => (kk - 1) * dilations[d] + 1).ToArray();
        var input = x.ShapeArray[2..];
        var (begin, end) = SpatialPads(c, input, effective, strides);

        var output = new int[spatial];
        var extra = new int[spatial];
        for (int d = 0; d < spatial; d++)
        {
            int span = input[d] + begin[d] + end[d] - effective[d];
            if (span < 0) throw c.Error($"the window {effective[d]} is larger than the padded axis {input[d] + begin[d] + end[d]}");
            output[d] = (ceil ? (span + strides[d] - 1) / strides[d] : span / strides[d]) + 1;
            // In ceil mode a last window that would start in the end padding is dropped, as PyTorch and ONNX's reference do.
            if (ceil && (output[d] - 1) * strides[d] >= input[d] + begin[d]) output[d]--;
            extra[d] = Math.Max(0, (output[d] - 1) * strides[d] + effective[d] - (input[d] + begin[d] + end[d]));
        }

        bool square = spatial == 2 && kernel[0] == kernel[1] && strides[0] == strides[1] && dilations.All(v => v == 1)
            && begin.Concat(end).All(p => p == begin[0]) && extra.All(v => v == 0) && begin[0] <= kernel[0] / 2;
        if (square && max) return MaxPool2dOp.Apply(x, kernel[0], strides[0], begin[0]);
        if (square && (includePad || begin[0] == 0)) return AvgPool2dOp.Apply(x, kernel[0], strides[0], begin[0]);

        var padded = x.Pad(TorchPads([0, 0, .. begin], [0, 0, .. end.Select((e, d) => e + extra[d])]), max ? double.NegativeInfinity : 0);
        Tensor? result = null;
        foreach (var offset in WindowOffsets(kernel))
        {
            var view = padded;
            for (int d = 0; d < spatial; d++)
            {
                int start = offset[d] * dilations[d];
                view = view.Slice(2 + d, start, start + (output[d] - 1) * strides[d] + 1, strides[d]);
            }
            result = result is null ? view : max ? result.Maximum(view) : result + view;
        }
        if (max) return result!;

        // The divisor of each window: its cells inside the input, or also those in the pads (not the ceil-mode overhang).
        var ones = Tensor.Ones([1, 1, .. input], x.DType, requiresGrad: false);
        var cover = includePad ? ones.Pad(TorchPads([0, 0, .. begin], [0, 0, .. end]), 1) : ones.Pad(TorchPads([0, 0, .. begin], [0, 0, .. end]));
        cover = cover.Pad(TorchPads(new int[spatial + 2], [0, 0, .. extra]));
        Tensor? count = null;
        foreach (var offset in WindowOffsets(kernel))
        {
            var view = cover;
            for (int d = 0; d < spatial; d++)
            {
                int start = offset[d] * dilations[d];
                view = view.Slice(2 + d, start, start + (output[d] - 1) * strides[d] + 1, strides[d]);
            }
            count = count is null ? view : count + view;
        }
        return result! / count!.Contiguous();
    }

    private static IEnumerable<int[]> WindowOffsets(int[] kernel)
    {
        var offset = new int[kernel.Length];
        while (true)
        {
            yield return (int[])offset.Clone();
            int d = kernel.Length - 1;
            while (d >= 0 && ++offset[d] == kernel[d]) offset[d--] = 0;
            if (d < 0) yield break;
        }
    }

    // Per-channel values [C] shaped to broadcast against [N, C, spatial...].
    private static Tensor PerChannel(Tensor v, int rank) => v.Reshape([v.Numel, .. Enumerable.Repeat(1, Math.Max(rank - 2, 0))]);

    private static Tensor?[] BatchNormalization(OnnxNodeContext c)
    {
        Tensor x = c.Input(0), scale = c.Input(1), bias = c.Input(2), mean = c.Input(3), variance = c.Input(4);
        if (c.Opset < 7 && c.Int("is_test", 1) == 0) throw c.Unsupported("BatchNormalization with is_test 0 (batch statistics)");
        double eps = c.Float("epsilon", 1e-5f);
        int rank = x.Rank;
        if (c.Int("training_mode", 0) != 0)
        {
            // Batch statistics (the biased variance normalizes) and the running statistics updated by momentum.
            var axes = new[] { 0 }.Concat(SpatialAxes(x)).ToArray();
            var batchMean = x.Mean(axes);
            var centered = x - PerChannel(batchMean, rank);
            var batchVar = (centered * centered).Mean(axes);
            var y = centered / (PerChannel(batchVar, rank) + eps).Sqrt() * PerChannel(scale, rank) + PerChannel(bias, rank);
            double momentum = c.Float("momentum", 0.9f);
            return [y, mean * momentum + batchMean * (1 - momentum), variance * momentum + batchVar * (1 - momentum)];
        }
        var factor = PerChannel(scale, rank) / (PerChannel(variance, rank) + eps).Sqrt();
        return [(x - PerChannel(mean, rank)) * factor + PerChannel(bias, rank)];
    }

    private static Tensor InstanceNormalization(OnnxNodeContext c)
    {
        Tensor x = c.Input(0), scale = c.Input(1), bias = c.Input(2);
        double eps = c.Float("epsilon", 1e-5f);
        var axes = SpatialAxes(x);
        var centered = x - x.Mean(axes, keepDim: true);
        var variance = (centered * centered).Mean(axes, keepDim: true);
        return centered / (variance + eps).Sqrt() * PerChannel(scale, x.Rank) + PerChannel(bias, x.Rank);
    }

    private static Tensor?[] LayerNormalization(OnnxNodeContext c)
    {
        Tensor x = c.Input(0), scale = c.Input(1);
        var bias = c.OptionalInput(2);
        double eps = c.Float("epsilon", 1e-5f);
        int axis = c.Axis(c.Int("axis", -1), x.Rank);
        bool statistics = c.WantsOutput(1) || c.WantsOutput(2);
        if (!statistics && axis == x.Rank - 1 && scale.Rank == 1 && (bias is null || bias.Rank == 1))
            return [Tensor.LayerNorm(x, scale, bias, eps)];
        var axes = Enumerable.Range(axis, x.Rank - axis).ToArray();
        var mean = x.Mean(axes, keepDim: true);
        var centered = x - mean;
        var inverseStd = 1.0 / ((centered * centered).Mean(axes, keepDim: true) + eps).Sqrt();
        var y = centered * inverseStd * scale;
        if (bias is not null) y = y + bias;
        return [y, mean, inverseStd];
    }

    private static Tensor MeanVarianceNormalization(OnnxNodeContext c)
    {
        var x = c.Input(0);
        var axes = NormalizeAxes(c, c.IntList("axes") ?? [0, 2, 3], x.Rank);
        var centered = x - x.Mean(axes, keepDim: true);
        return centered / ((centered * centered).Mean(axes, keepDim: true).Sqrt() + 1e-9);
    }

    // Before opset 13, softmax normalizes the input flattened to 2-D at the axis; from 13, along the one axis.
    private static Tensor Softmax(OnnxNodeContext c, bool log)
    {
        var x = c.Input(0);
        if (c.Opset >= 13)
        {
            int axis = c.Axis(c.Int("axis", -1), x.Rank);
            return log ? x.LogSoftmax(axis) : x.Softmax(axis);
        }
        int at = c.Axis(c.Int("axis", 1), x.Rank);
        var flat = x.Flatten(at, -1);
        if (at == 0) flat = flat.Reshape(1, x.Numel);
        else flat = flat.Flatten(0, at - 1);
        var y = log ? flat.LogSoftmax(-1) : flat.Softmax(-1);
        return y.Reshape(x.ShapeArray);
    }

    private static Tensor?[] SoftmaxCrossEntropyLoss(OnnxNodeContext c)
    {
        var logProb = c.Input(0).LogSoftmax(1);
        return [NegativeLogLikelihoodLoss(c, logProb), c.WantsOutput(1) ? logProb : null];
    }

    /// <summary>
    /// −input[n, target[n], d...]·weight[target], reduced: none, sum, or mean over the summed weights of the counted
    /// targets (ONNX's and PyTorch's weighted mean). Targets equal to ignore_index count for nothing.
    /// </summary>
    private static Tensor NegativeLogLikelihoodLoss(OnnxNodeContext c, Tensor logProb)
    {
        var target = c.Input(1);
        var weight = c.OptionalInput(2);
        string reduction = c.String("reduction") ?? "mean";
        long? ignore = c.HasAttribute("ignore_index") ? c.Int("ignore_index", 0) : null;
        if (logProb.Rank < 2) throw c.Error($"expected input [N, C, ...], got {Shapes.Format(logProb.ShapeArray)}");
        int classes = logProb.ShapeArray[1];
        var order = new[] { 0 }.Concat(Enumerable.Range(2, logProb.Rank - 2)).Append(1).ToArray();
        var rows = logProb.Permute(order).Reshape(-1, classes);
        if (target.DType != DType.Int32) throw c.Error($"the target must hold integers, got {target.DType}");
        var labels = target.ToArray<int>();
        if (labels.Length != rows.ShapeArray[0])
            throw c.Error($"the target {Shapes.Format(target.ShapeArray)} does not match the input {Shapes.Format(logProb.ShapeArray)}");
        var safe = new int[labels.Length];
        var counted = new double[labels.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            if (ignore == labels[i]) continue;
            if (labels[i] < 0 || labels[i] >= classes) throw c.Error($"target {labels[i]} is out of range for {classes} classes");
            safe[i] = labels[i];
            counted[i] = 1;
        }
        // Each row's weight is its class's weight (differentiable, when the weights are an input) or 1, and 0 if ignored.
        var mask = Tensor.FromArray(counted, counted.Length).To(logProb.DType);
        var rowWeight = weight is null ? mask : weight.IndexSelect(0, safe) * mask;
        var picked = rows.Gather(1, Tensor.FromArray(safe, safe.Length, 1)).Reshape(-1);
        var loss = -picked * rowWeight;
        return reduction switch
        {
            "none" => loss.Reshape(target.ShapeArray),
            "sum" => loss.Sum(),
            "mean" => loss.Sum() / rowWeight.Sum(),
            _ => throw c.Error($"reduction '{reduction}' is not one of none, sum, mean"),
        };
    }
}
