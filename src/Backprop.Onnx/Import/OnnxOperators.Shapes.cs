namespace Backprop.Onnx;

// Shape manipulation and indexing.
internal static partial class OnnxOperators
{
    private static int ToInt(long value, OnnxNodeContext c, string what) =>
        value is >= int.MinValue and <= int.MaxValue ? (int)value : throw c.Error($"{what} {value} is beyond int32");

    private static int[] ToInts(long[] values, OnnxNodeContext c, string what) => Array.ConvertAll(values, v => ToInt(v, c, what));

    // Axes from the attribute (before opset 13 for most ops) or from input 1 (from 13).
    private static long[]? AxesFrom(OnnxNodeContext c, bool asInput) => asInput ? c.OptionalInts(1) : c.IntList("axes");

    private static int[] NormalizeAxes(OnnxNodeContext c, long[] axes, int rank)
    {
        var result = new int[axes.Length];
        for (int i = 0; i < axes.Length; i++)
        {
            result[i] = c.Axis(axes[i], rank);
            for (int j = 0; j < i; j++)
                if (result[j] == result[i]) throw c.Error($"axis {axes[i]} is repeated in [{string.Join(", ", axes)}]");
        }
        return result;
    }

    private static Tensor Reshape(OnnxNodeContext c)
    {
        var x = c.Input(0);
        long[] requested = c.Opset >= 5 ? c.Ints(1) : c.IntList("shape") ?? throw c.Error("expected a 'shape' attribute");
        bool allowZero = c.Int("allowzero", 0) != 0;
        var shape = new int[requested.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            long d = requested[i];
            if (d == 0 && !allowZero)
            {
                if (i >= x.Rank) throw c.Error($"shape entry {i} is 0 (copy the input's size) but the input {Shapes.Format(x.ShapeArray)} has rank {x.Rank}");
                shape[i] = x.ShapeArray[i];
            }
            else if (d < -1) throw c.Error($"shape entry {i} is {d}; expected -1, 0 or a size");
            else shape[i] = ToInt(d, c, "shape entry");
        }
        return x.Reshape(shape);
    }

    private static Tensor Flatten(OnnxNodeContext c)
    {
        var x = c.Input(0);
        int axis = (int)c.Int("axis", 1);
        if (axis < 0) axis += x.Rank;
        if (axis < 0 || axis > x.Rank) throw c.Error($"axis {c.Int("axis", 1)} is out of range for a tensor of rank {x.Rank}");
        int outer = 1;
        for (int i = 0; i < axis; i++) outer *= x.ShapeArray[i];
        int inner = 1;
        for (int i = axis; i < x.Rank; i++) inner *= x.ShapeArray[i];
        return x.Reshape(outer, inner);
    }

    private static Tensor Transpose(OnnxNodeContext c)
    {
        var x = c.Input(0);
        var perm = c.IntList("perm") is { } p ? NormalizeAxes(c, p, x.Rank) : [.. Enumerable.Range(0, x.Rank).Reverse()];
        if (perm.Length != x.Rank) throw c.Error($"perm [{string.Join(", ", perm)}] does not match rank {x.Rank}");
        return x.Permute(perm);
    }

    private static Tensor Concat(OnnxNodeContext c)
    {
        var parts = Enumerable.Range(0, c.InputCount).Select(c.Input).ToArray();
        int axis = c.Axis(c.Int("axis", c.Opset < 4 ? 1 : long.MinValue), parts[0].Rank);
        // Empty tensors take part in ONNX's Concat only through their shape; drop those that add nothing.
        var kept = parts.Where(t => t.Numel > 0).ToArray();
        if (kept.Length == 0) kept = [parts[0]];
        return kept.Length == 1 ? kept[0] : Tensor.Concat(kept, axis);
    }

    private static Tensor?[] Split(OnnxNodeContext c)
    {
        var x = c.Input(0);
        int axis = c.Axis(c.Int("axis", 0), x.Rank);
        long[]? sizes = c.Opset >= 13 ? c.OptionalInts(1) : c.IntList("split");
        int size = x.ShapeArray[axis];
        int n = c.OutputCount;
        int[] split;
        if (sizes is not null)
        {
            split = ToInts(sizes, c, "split size");
            if (split.Length != n || split.Sum() != size)
                throw c.Error($"split sizes [{string.Join(", ", split)}] must be {n} sizes summing to {size} (axis {axis} of {Shapes.Format(x.ShapeArray)})");
        }
        else
        {
            if (size % n != 0) throw c.Error($"axis {axis} of size {size} does not split evenly into {n} outputs");
            split = [.. Enumerable.Repeat(size / n, n)];
        }
        return x.Split(split, axis);
    }

    private static Tensor Slice(OnnxNodeContext c)
    {
        var x = c.Input(0);
        long[] starts, ends;
        long[]? axes, steps = null;
        if (c.Opset < 10)
        {
            starts = c.IntList("starts") ?? throw c.Error("expected a 'starts' attribute");
            ends = c.IntList("ends") ?? throw c.Error("expected an 'ends' attribute");
            axes = c.IntList("axes");
        }
        else
        {
            starts = c.Ints(1);
            ends = c.Ints(2);
            axes = c.OptionalInts(3);
            steps = c.OptionalInts(4);
        }
        axes ??= [.. Enumerable.Range(0, starts.Length).Select(i => (long)i)];
        steps ??= [.. Enumerable.Repeat(1L, starts.Length)];
        if (ends.Length != starts.Length || axes.Length != starts.Length || steps.Length != starts.Length)
            throw c.Error($"starts, ends, axes and steps must have one entry per sliced axis, got {starts.Length}, {ends.Length}, {axes.Length}, {steps.Length}");
        var normalized = NormalizeAxes(c, axes, x.Rank);
        for (int i = 0; i < starts.Length; i++)
        {
            int axis = normalized[i];
            long dim = x.ShapeArray[axis], step = steps[i];
            if (step == 0) throw c.Error($"step 0 on axis {axis}");
            long start = starts[i] < 0 ? starts[i] + dim : starts[i];
            long end = ends[i] < 0 ? ends[i] + dim : ends[i];
            if (step > 0)
            {
                start = Math.Clamp(start, 0, dim);
                end = Math.Clamp(end, start, dim);
                x = x.Slice(axis, (int)start, (int)end, (int)Math.Min(step, int.MaxValue));
            }
            else
            {
                start = Math.Clamp(start, 0, dim - 1);
                end = Math.Clamp(end, -1, dim - 1);
                var picked = new List<int>();
                for (long k = start; k > end; k += step) picked.Add((int)k);
                x = picked.Count == 0 ? x.Slice(axis, 0, 0) : x.IndexSelect(axis, [.. picked]);
            }
        }
        return x;
    }

    private static Tensor Squeeze(OnnxNodeContext c)
    {
        var x = c.Input(0);
        var axes = AxesFrom(c, c.Opset >= 13);
        var drop = axes is null ? [.. Enumerable.Range(0, x.Rank).Where(d => x.ShapeArray[d] == 1)] : NormalizeAxes(c, axes, x.Rank);
        foreach (int d in drop)
            if (x.ShapeArray[d] != 1) throw c.Error($"axis {d} of {Shapes.Format(x.ShapeArray)} has size {x.ShapeArray[d]}, not 1");
        return x.Reshape([.. Enumerable.Range(0, x.Rank).Where(d => !drop.Contains(d)).Select(d => x.ShapeArray[d])]);
    }

    private static Tensor Unsqueeze(OnnxNodeContext c)
    {
        var x = c.Input(0);
        var axes = AxesFrom(c, c.Opset >= 13) ?? throw c.Error("expected axes");
        int rank = x.Rank + axes.Length;
        var inserted = NormalizeAxes(c, axes, rank);
        var shape = new int[rank];
        int next = 0;
        for (int d = 0; d < rank; d++) shape[d] = inserted.Contains(d) ? 1 : x.ShapeArray[next++];
        return x.Reshape(shape);
    }

    // ONNX Gather takes whole slices along the axis: [a, b, c] with indices [i, j] on axis 1 gives [a, i, j, c].
    private static Tensor Gather(OnnxNodeContext c)
    {
        Tensor x = c.Input(0), indices = c.Input(1);
        int axis = c.Axis(c.Int("axis", 0), x.Rank);
        var flat = IndexValues(c, indices, x.ShapeArray[axis]);
        var picked = x.IndexSelect(axis, flat);
        var shape = x.ShapeArray[..axis].Concat(indices.ShapeArray).Concat(x.ShapeArray[(axis + 1)..]).ToArray();
        return picked.Reshape(shape);
    }

    private static Tensor GatherElements(OnnxNodeContext c)
    {
        Tensor x = c.Input(0), indices = c.Input(1);
        int axis = c.Axis(c.Int("axis", 0), x.Rank);
        var flat = IndexValues(c, indices, x.ShapeArray[axis]);
        return x.Gather(axis, Tensor.FromArray(flat, indices.ShapeArray));
    }

    // ScatterElements (and Scatter, its name before opset 11): the data with the updates written, or with reduction
    // "add" added, at the places the indices name along an axis. Backprop has scatter_add only, so a write is
    // where(hit, scatter_add(0, indices, updates), data), hit marking the places written: exact for distinct indices,
    // the only case ONNX defines without a reduction. The gradient reaches the data outside the hit places and the
    // updates through scatter_add.
    private static Tensor ScatterElements(OnnxNodeContext c)
    {
        Tensor data = c.Input(0), indices = c.Input(1), updates = c.Input(2);
        int axis = c.Axis(c.Int("axis", 0), data.Rank);
        if (!indices.ShapeArray.AsSpan().SequenceEqual(updates.ShapeArray))
            throw c.Error($"indices {Shapes.Format(indices.ShapeArray)} and updates {Shapes.Format(updates.ShapeArray)} must have one shape");
        var index = Tensor.FromArray(IndexValues(c, indices, data.ShapeArray[axis]), indices.ShapeArray);
        switch (c.String("reduction") ?? "none")
        {
            case "add": return data.ScatterAdd(axis, index, updates);
            case "none":
                var zeros = Tensor.ZerosLike(data);
                var hit = zeros.ScatterAdd(axis, index, Tensor.OnesLike(updates)).Gt(0);
                return Tensor.Where(hit, zeros.ScatterAdd(axis, index, updates), data);
            case var other: throw c.Unsupported($"reduction '{other}' (none and add are implemented)");
        }
    }

    // Indices made non-negative (ONNX counts negative ones from the end) and checked.
    private static int[] IndexValues(OnnxNodeContext c, Tensor indices, int size)
    {
        if (indices.DType != DType.Int32) throw c.Error($"indices must be integers, got {indices.DType}");
        var values = indices.ToArray<int>();
        for (int i = 0; i < values.Length; i++)
        {
            int v = values[i] < 0 ? values[i] + size : values[i];
            if (v < 0 || v >= size) throw c.Error($"index {values[i]} is out of range for an axis of size {size}");
            values[i] = v;
        }
        return values;
    }

    private static Tensor Shape(OnnxNodeContext c)
    {
        var x = c.Input(0);
        int rank = x.Rank;
        long start = c.Int("start", 0), end = c.Int("end", rank);
        if (start < 0) start += rank;
        if (end < 0) end += rank;
        start = Math.Clamp(start, 0, rank);
        end = Math.Clamp(end, start, rank);
        return Tensor.FromArray(x.ShapeArray[(int)start..(int)end], (int)(end - start));
    }

    // Bidirectional broadcasting: the result has the broadcast of the input's shape and the requested one.
    private static Tensor Expand(OnnxNodeContext c)
    {
        var x = c.Input(0);
        var requested = ToInts(c.Ints(1), c, "shape entry");
        int rank = Math.Max(x.Rank, requested.Length);
        var shape = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int a = i - (rank - x.Rank) is var ia && ia >= 0 ? x.ShapeArray[ia] : 1;
            int b = i - (rank - requested.Length) is var ib && ib >= 0 ? requested[ib] : 1;
            if (a != b && a != 1 && b != 1) throw c.Error($"cannot broadcast {Shapes.Format(x.ShapeArray)} to [{string.Join(", ", requested)}]");
            shape[i] = a == 1 ? b : a;
        }
        var lifted = x.Rank == rank ? x : x.Reshape([.. Enumerable.Repeat(1, rank - x.Rank).Concat(x.ShapeArray)]);
        return Shapes.Equal(lifted.ShapeArray, shape) ? lifted : lifted.Expand(shape);
    }

    // [a, b] tiled [r, s] is [r, a, s, b] broadcast from [1, a, 1, b], then merged to [r·a, s·b].
    private static Tensor Tile(OnnxNodeContext c)
    {
        var x = c.Input(0);
        var repeats = ToInts(c.Ints(1), c, "repeat");
        if (repeats.Length != x.Rank) throw c.Error($"expected {x.Rank} repeats for {Shapes.Format(x.ShapeArray)}, got {repeats.Length}");
        var lifted = new int[2 * x.Rank];
        var expanded = new int[2 * x.Rank];
        var merged = new int[x.Rank];
        for (int d = 0; d < x.Rank; d++)
        {
            if (repeats[d] < 0) throw c.Error($"repeat {repeats[d]} is negative");
            lifted[2 * d] = 1;
            lifted[2 * d + 1] = x.ShapeArray[d];
            expanded[2 * d] = repeats[d];
            expanded[2 * d + 1] = x.ShapeArray[d];
            merged[d] = repeats[d] * x.ShapeArray[d];
        }
        return x.Reshape(lifted).Expand(expanded).Reshape(merged);
    }

    /// <summary>ONNX pads [x1_begin, x2_begin, ..., x1_end, x2_end, ...] as PyTorch's (before, after) pairs from the last axis back.</summary>
    private static int[] TorchPads(int[] begin, int[] end)
    {
        var pads = new int[2 * begin.Length];
        for (int d = 0; d < begin.Length; d++)
        {
            pads[2 * (begin.Length - 1 - d)] = begin[d];
            pads[2 * (begin.Length - 1 - d) + 1] = end[d];
        }
        return pads;
    }

    private static Tensor Pad(OnnxNodeContext c)
    {
        var x = c.Input(0);
        string mode = c.String("mode") ?? "constant";
        long[] pads = c.Opset >= 11 ? c.Ints(1) : c.IntList("pads") ?? c.IntList("paddings") ?? throw c.Error("expected pads");
        double value = c.Opset >= 11 ? c.OptionalScalar(2) ?? 0 : c.Float("value", 0);
        if (pads.Length != 2 * x.Rank) throw c.Error($"expected {2 * x.Rank} pads for {Shapes.Format(x.ShapeArray)}, got {pads.Length}");
        var p = ToInts(pads, c, "pad");
        return mode switch
        {
            "constant" => x.Pad(TorchPads(p[..x.Rank], p[x.Rank..]), value),
            "edge" or "reflect" => PadByIndex(c, x, p, reflect: mode == "reflect"),
            _ => throw c.Error($"Pad mode '{mode}' is not one of constant, reflect, edge"),
        };
    }

    // Edge and reflect padding pick source indices per axis: edge repeats the border, reflect mirrors without it.
    private static Tensor PadByIndex(OnnxNodeContext c, Tensor x, int[] pads, bool reflect)
    {
        for (int d = 0; d < x.Rank; d++)
        {
            int before = pads[d], after = pads[x.Rank + d], size = x.ShapeArray[d];
            if (before == 0 && after == 0) continue;
            if (before < 0 || after < 0) throw c.Unsupported("negative pads with mode edge or reflect");
            if (size == 0 || reflect && (before >= size || after >= size))
                throw c.Error($"pads {before}, {after} are too large for axis {d} of size {size} in {(reflect ? "reflect" : "edge")} mode");
            var index = new int[before + size + after];
            for (int i = 0; i < index.Length; i++)
            {
                int k = i - before;
                index[i] = reflect
                    ? k < 0 ? -k : k >= size ? 2 * (size - 1) - k : k
                    : Math.Clamp(k, 0, size - 1);
            }
            x = x.IndexSelect(d, index);
        }
        return x;
    }

    private static Tensor ConstantOfShape(OnnxNodeContext c)
    {
        var shape = ToInts(c.Ints(0), c, "shape entry");
        if (c.TensorAttribute("value") is not { } proto) return Tensor.Zeros(shape, DType.Float32);
        var value = OnnxTensors.FromProto(proto);
        if (value.Numel != 1) throw c.Error("the value attribute must hold one element");
        return Tensor.Full(shape, value.Reshape(-1)[0], value.DType);
    }

    private static Tensor Range(OnnxNodeContext c)
    {
        Tensor start = c.Input(0), limit = c.Input(1), delta = c.Input(2);
        double s = start.Item(), l = limit.Item(), d = delta.Item();
        if (d == 0) throw c.Error("delta is 0");
        long count = Math.Max((long)Math.Ceiling((l - s) / d), 0);
        if (count > OnnxTensors.MaxElements) throw c.Error($"the range has {count} elements");
        var values = new double[count];
        for (long i = 0; i < count; i++) values[i] = s + i * d;
        return Tensor.FromArray(values, (int)count).To(start.DType);
    }

    private static Tensor Trilu(OnnxNodeContext c)
    {
        var x = c.Input(0);
        int k = (int)Math.Clamp(c.OptionalScalar(1) ?? 0, int.MinValue, int.MaxValue);
        bool upper = c.Int("upper", 1) != 0;
        if (x.DType == DType.Int32) return (upper ? x.To(DType.Float64).Triu(k) : x.To(DType.Float64).Tril(k)).To(DType.Int32);
        return upper ? x.Triu(k) : x.Tril(k);
    }

    private static Tensor CumSum(OnnxNodeContext c)
    {
        var x = c.Input(0);
        int axis = c.Axis((long)(c.OptionalScalar(1) ?? throw c.Error("expected the axis input")), x.Rank);
        bool exclusive = c.Int("exclusive", 0) != 0, reverse = c.Int("reverse", 0) != 0;
        bool integer = x.DType == DType.Int32;
        var t = integer ? x.To(DType.Float64) : x;
        var reversed = Enumerable.Range(0, t.ShapeArray[axis]).Reverse().ToArray();
        if (reverse) t = t.IndexSelect(axis, reversed);
        var sum = t.Cumsum(axis);
        if (exclusive) sum = sum - t;
        if (reverse) sum = sum.IndexSelect(axis, reversed);
        return integer ? sum.To(DType.Int32) : sum;
    }

    private static Tensor?[] TopK(OnnxNodeContext c)
    {
        var x = c.Input(0);
        long k = c.Opset >= 10 ? c.Ints(1).Single() : c.Int("k", 1);
        int axis = c.Axis(c.Int("axis", -1), x.Rank);
        var (values, indices) = x.TopK(ToInt(k, c, "k"), axis, largest: c.Int("largest", 1) != 0, sorted: c.Int("sorted", 1) != 0);
        return [values, indices];
    }

    private static Tensor DepthToSpace(OnnxNodeContext c)
    {
        var x = c.Input(0);
        if (x.Rank != 4) throw c.Error($"expected NCHW input, got {Shapes.Format(x.ShapeArray)}");
        int b = (int)c.Int("blocksize", 0), n = x.ShapeArray[0], ch = x.ShapeArray[1], h = x.ShapeArray[2], w = x.ShapeArray[3];
        if (b <= 0 || ch % (b * b) != 0) throw c.Error($"blocksize {b} does not divide the {ch} channels into b² blocks");
        bool crd = (c.String("mode") ?? "DCR") == "CRD";
        var t = crd
            ? x.Reshape(n, ch / (b * b), b, b, h, w).Permute(0, 1, 4, 2, 5, 3)
            : x.Reshape(n, b, b, ch / (b * b), h, w).Permute(0, 3, 4, 1, 5, 2);
        return t.Reshape(n, ch / (b * b), h * b, w * b);
    }

    private static Tensor SpaceToDepth(OnnxNodeContext c)
    {
        var x = c.Input(0);
        if (x.Rank != 4) throw c.Error($"expected NCHW input, got {Shapes.Format(x.ShapeArray)}");
        int b = (int)c.Int("blocksize", 0), n = x.ShapeArray[0], ch = x.ShapeArray[1], h = x.ShapeArray[2], w = x.ShapeArray[3];
        if (b <= 0 || h % b != 0 || w % b != 0) throw c.Error($"blocksize {b} does not divide {h}×{w}");
        return x.Reshape(n, ch, h / b, b, w / b, b).Permute(0, 3, 5, 1, 2, 4).Reshape(n, ch * b * b, h / b, w / b);
    }

    // values[1] where the position along the new axis equals the index (negative indices count from depth), values[0] elsewhere.
    private static Tensor OneHot(OnnxNodeContext c)
    {
        Tensor indices = c.Input(0), values = c.Input(2);
        int depth = (int)(c.OptionalScalar(1) ?? throw c.Error("expected the depth input"));
        if (depth <= 0) throw c.Error($"depth {depth} must be positive");
        if (values.Numel != 2) throw c.Error($"values must hold [off, on], got {values.Numel} elements");
        int rank = indices.Rank + 1;
        int axis = c.Axis(c.Int("axis", -1), rank);
        var index = indices.To(DType.Float64).ToArray<double>().Select(v => (int)(v < 0 ? v + depth : v)).ToArray();
        var lifted = Tensor.FromArray(index, index.Length).Reshape(indices.ShapeArray).Unsqueeze(axis);
        var hot = lifted.Eq(Positions(depth, axis, rank)).To(DType.Float64);
        var pair = values.To(DType.Float64).ToArray<double>();
        var y = hot * (pair[1] - pair[0]) + pair[0];
        return y.To(values.DType);
    }

    private static Tensor EyeLike(OnnxNodeContext c)
    {
        var x = c.Input(0);
        if (x.Rank != 2) throw c.Error($"expected a 2-D input, got {Shapes.Format(x.ShapeArray)}");
        int rows = x.ShapeArray[0], cols = x.ShapeArray[1];
        long k = c.Int("k", 0);
        var values = new double[rows * cols];
        for (int r = 0; r < rows; r++)
            if (r + k >= 0 && r + k < cols) values[r * cols + r + k] = 1;
        var eye = Tensor.FromArray(values, rows, cols);
        return c.HasAttribute("dtype") ? Cast(eye, c.Int("dtype", 1), c) : eye.To(x.DType);
    }
}
