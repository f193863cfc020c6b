namespace Backprop.Ops;

/// <summary>
/// <c>torch.scatter_add</c>: a copy of x with src[i][j] added at x[index[i][j]][j] along axis 0 (likewise for any axis
/// and rank). The index has the rank of x and src, no larger size than src on any axis and than x on the other axes;
/// only the part of src the index covers is used. The gradient to x is the upstream gradient; to src, the upstream
/// gradient read back at the places each element was added to (zero where the index does not reach).
/// </summary>
internal sealed class ScatterAddOp : Node
{
    private int[] _targets = [], _sources = [];
    private int _axis;
    private Tensor? _indexSource;
    public override string Name => "scatter_add";

    /// <summary>The (normalised) axis scattered along (read by the ONNX exporter).</summary>
    internal int Axis => _axis;

    /// <summary>
    /// The index as passed (not an input of the node: it has no gradient); the ONNX exporter follows it back to where
    /// it came from, since the flat targets it resolved to hold only this batch's.
    /// </summary>
    internal Tensor? IndexSource => _indexSource;

    public static Tensor Apply(Tensor x, int axis, Tensor index, Tensor src)
    {
        const string op = "scatter_add";
        Elementwise.RequireFloat(op, x);
        IndexChecks.RequireInt32(op, index);
        if (src.DType != x.DType)
            throw new ArgumentException($"{op}: src is {src.DType.Name()} but the input is {x.DType.Name()}; expected one dtype");
        axis = Shapes.NormalizeAxis(op, axis, x.Rank);
        if (index.Rank != x.Rank || src.Rank != x.Rank)
            throw new ArgumentException(
                $"{op}: index {Shapes.Format(index.ShapeArray)} and src {Shapes.Format(src.ShapeArray)} must have the input's rank {x.Rank} (input {Shapes.Format(x.ShapeArray)})");
        for (int d = 0; d < x.Rank; d++)
            if (index.ShapeArray[d] > src.ShapeArray[d] || (d != axis && index.ShapeArray[d] > x.ShapeArray[d]))
                throw new ArgumentException(
                    $"{op}: index size {index.ShapeArray[d]} on axis {d} exceeds src's {src.ShapeArray[d]} or the input's {x.ShapeArray[d]} " +
                    $"(index {Shapes.Format(index.ShapeArray)}, src {Shapes.Format(src.ShapeArray)}, input {Shapes.Format(x.ShapeArray)}, scatter axis {axis})");
        var idx = index.ContiguousData().Span<int>();
        int size = x.Rank == 0 ? 1 : x.ShapeArray[axis];
        IndexChecks.InRange(op, idx, index.ShapeArray, size, $"axis {axis} of size {size} (input {Shapes.Format(x.ShapeArray)})");
        var outStrides = Shapes.ContiguousStrides(x.ShapeArray);
        var srcStrides = Shapes.ContiguousStrides(src.ShapeArray);
        var targets = new int[idx.Length];
        var sources = new int[idx.Length];
        Span<int> counter = stackalloc int[Math.Max(1, index.Rank)];
        for (int flat = 0; flat < idx.Length; flat++)
        {
            int rem = flat, target = 0, source = 0;
            for (int d = index.Rank - 1; d >= 0; d--)
            {
                counter[d] = rem % index.ShapeArray[d];
                rem /= index.ShapeArray[d];
            }
            for (int d = 0; d < index.Rank; d++)
            {
                target += (d == axis ? idx[flat] : counter[d]) * outStrides[d];
                source += counter[d] * srcStrides[d];
            }
            targets[flat] = target;
            sources[flat] = source;
        }
        var y = x.CopyData();
        var add = new AddAction { Target = y, Source = src.ContiguousData(), Targets = targets, Sources = sources };
        DTypeDispatch.Run(x.DType, ref add);
        if (!Autograd.ShouldRecord(x, src)) return y;
        return Record(y, new ScatterAddOp { _targets = targets, _sources = sources, _axis = axis, _indexSource = index }, x, src);
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx)
    {
        var inputs = InputArray;
        if (inputs[0].RequiresGrad) dx[0] = g;
        if (!inputs[1].RequiresGrad) return;
        var read = new ReadBackAction { Gradient = g.ContiguousData(), Result = Storage.Zeros(inputs[1].ShapeArray, g.DType), Targets = _targets, Sources = _sources };
        DTypeDispatch.Run(g.DType, ref read);
        dx[1] = read.Result;
    }

    // x's gradient is g itself; src's, g read back at the targets, is a recorded indexed add whose own gradient adds
    // into the targets again (the forward's src part).
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx)
    {
        if (Wants(0)) dx[0] = g;
        if (Wants(1)) dx[1] = IndexedAddOp.Apply(g, _targets, _sources, InputArray[1].ShapeArray, "scatter_add_backward", Name);
    }

    protected override void ReleaseSaved() => _indexSource = null;

    // In index order, so repeated targets add up in a fixed order.
    private struct AddAction : IDTypeAction
    {
        public Tensor Target, Source;
        public int[] Targets, Sources;

        public readonly void Invoke<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            var y = Target.Span<T>();
            ReadOnlySpan<T> s = Source.Span<T>();
            for (int i = 0; i < Targets.Length; i++) y[Targets[i]] += s[Sources[i]];
        }
    }

    private struct ReadBackAction : IDTypeAction
    {
        public Tensor Gradient, Result;
        public int[] Targets, Sources;

        public readonly void Invoke<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            ReadOnlySpan<T> g = Gradient.Span<T>();
            var r = Result.Span<T>();
            for (int i = 0; i < Targets.Length; i++) r[Sources[i]] = g[Targets[i]];
        }
    }
}
