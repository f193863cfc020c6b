namespace Backprop.Ops;

/// <summary>
/// Constant padding with <c>torch.nn.functional.pad</c>'s convention: pads come in (before, after) pairs from the last
/// axis backwards, and a negative pad crops, as in PyTorch. The gradient is the upstream gradient of the kept region
/// placed back where it came from (cropped elements get zero; the padding has no input to send gradient to).
/// </summary>
internal sealed class PadOp : Node
{
    private int[] _before = [], _after = [];
    private double _value;
    public override string Name => "pad";

    /// <summary>Padding before and after each axis, and the fill value (read by the ONNX exporter).</summary>
    internal int[] Before => _before;

    internal int[] After => _after;

    internal double Value => _value;

    public static Tensor Apply(Tensor x, int[] pads, double value)
    {
        ArgumentNullException.ThrowIfNull(pads);
        if (pads.Length % 2 != 0 || pads.Length / 2 > x.Rank)
            throw new ArgumentException(
                $"pad: expected (before, after) pairs for at most {x.Rank} axes of the input {Shapes.Format(x.ShapeArray)}, got {pads.Length} values [{string.Join(", ", pads)}]");
        int rank = x.Rank;
        var before = new int[rank];
        var after = new int[rank];
        for (int pair = 0; pair < pads.Length / 2; pair++)
        {
            before[rank - 1 - pair] = pads[2 * pair];
            after[rank - 1 - pair] = pads[2 * pair + 1];
        }
        var shape = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            long size = (long)x.ShapeArray[d] + before[d] + after[d];
            if (size < 0)
                throw new ArgumentException(
                    $"pad: pads ({before[d]}, {after[d]}) on axis {d} crop more than its {x.ShapeArray[d]} elements (input {Shapes.Format(x.ShapeArray)})");
            shape[d] = checked((int)size);
        }
        var y = Storage.Empty(shape, x.DType).FillData(value);
        if (Region(x.ShapeArray, before, after, out var keptShape, out var sourceStart, out var destinationStart))
        {
            var kept = Window(x, sourceStart, keptShape).ContiguousData();
            Place(kept, y, destinationStart);
        }
        if (!Autograd.ShouldRecord(x)) return y;
        return Record(y, new PadOp { _before = before, _after = after, _value = value }, x);
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx)
    {
        var inputShape = InputArray[0].ShapeArray;
        var result = Storage.Zeros(inputShape, g.DType);
        if (Region(inputShape, _before, _after, out var keptShape, out var sourceStart, out var destinationStart))
            Place(Window(g, destinationStart, keptShape).ContiguousData(), result, sourceStart);
        dx[0] = result;
    }

    // The gradient of a pad is the opposite pad (a crop, or zeros where the forward cropped), recorded.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx)
    {
        int rank = _before.Length;
        var pads = new int[2 * rank];
        for (int pair = 0; pair < rank; pair++)
        {
            pads[2 * pair] = -_before[rank - 1 - pair];
            pads[2 * pair + 1] = -_after[rank - 1 - pair];
        }
        dx[0] = Apply(g, pads, 0);
    }

    /// <summary>
    /// The block of the input that survives (its shape, where it starts in the input and where in the output); false
    /// when it is empty.
    /// </summary>
    private static bool Region(int[] inputShape, int[] before, int[] after, out int[] keptShape, out int[] sourceStart, out int[] destinationStart)
    {
        int rank = inputShape.Length;
        (keptShape, sourceStart, destinationStart) = (new int[rank], new int[rank], new int[rank]);
        bool any = true;
        for (int d = 0; d < rank; d++)
        {
            sourceStart[d] = Math.Max(0, -before[d]);
            destinationStart[d] = Math.Max(0, before[d]);
            keptShape[d] = Math.Max(0, inputShape[d] - sourceStart[d] - Math.Max(0, -after[d]));
            any &= keptShape[d] > 0;
        }
        return any;
    }

    /// <summary>The block of <paramref name="t"/> of <paramref name="shape"/> starting at <paramref name="start"/> (a view).</summary>
    private static Tensor Window(Tensor t, int[] start, int[] shape)
    {
        int offset = t.Offset;
        for (int d = 0; d < start.Length; d++) offset += start[d] * t.StridesArray[d];
        return t.View(offset, shape, t.StridesArray);
    }

    /// <summary>Writes the contiguous <paramref name="block"/> into <paramref name="target"/> (contiguous) at <paramref name="start"/>.</summary>
    private static void Place(Tensor block, Tensor target, int[] start)
    {
        int offset = 0;
        for (int d = 0; d < start.Length; d++) offset += start[d] * target.StridesArray[d];
        var scatter = new SliceOp.ScatterAction { Source = block, Destination = target, Offset = offset, Shape = block.ShapeArray, Strides = target.StridesArray };
        DTypeDispatch.RunAny(block.DType, ref scatter);
    }
}
