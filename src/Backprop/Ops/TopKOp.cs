using System.Numerics;

namespace Backprop.Ops;

/// <summary>
/// The k largest (or smallest) elements along one axis with their int32 indices: <c>torch.topk</c>, and with k the
/// whole axis <c>torch.sort</c>. The order is total and stable: NaN counts as larger than every number (as in
/// PyTorch), and equal values keep their original order (the lower index first), ascending or descending. The
/// values' gradient goes back to the positions they were taken from; the indices have none.
/// </summary>
internal sealed class TopKOp : Node
{
    private int[] _positions = [];
    private string _name = "topk";
    private int _axis;
    private bool _largest, _sorted;
    public override string Name => _name;

    /// <summary>The axis, and whether the largest come first and in order (read by the ONNX exporter; k is the output's size).</summary>
    internal int Axis => _axis;

    internal bool Largest => _largest;

    internal bool Sorted => _sorted;

    public static (Tensor Values, Tensor Indices) Apply(Tensor x, int k, int axis, bool largest, bool sorted, string name)
    {
        Elementwise.RequireFloat(name, x);
        axis = Shapes.NormalizeAxis(name, axis, x.Rank);
        int length = x.Rank == 0 ? 1 : x.ShapeArray[axis];
        if (k < 0 || k > length)
            throw new ArgumentOutOfRangeException(nameof(k), $"{name}: k = {k} is out of range for axis {axis} of size {length} (input {Shapes.Format(x.ShapeArray)}), expected 0 to {length}");
        var (outer, _, inner) = x.Rank == 0 ? (1, 1, 1) : SumOp.Split(x.ShapeArray, axis);
        var shape = (int[])x.ShapeArray.Clone();
        if (shape.Length > 0) shape[axis] = k;
        var select = new SelectAction
        {
            X = x.ContiguousData(), Values = Storage.Empty(shape, x.DType), Indices = Storage.Empty(shape, DType.Int32),
            Positions = new int[Shapes.Numel(shape)], Outer = outer, Length = length, Inner = inner, K = k, Largest = largest, Sorted = sorted,
        };
        DTypeDispatch.Run(x.DType, ref select);
        var values = select.Values;
        if (Autograd.ShouldRecord(x)) values = Record(values, new TopKOp { _positions = select.Positions, _name = name, _axis = axis, _largest = largest, _sorted = sorted }, x);
        return (values, TopKIndicesOp.Trace(select.Indices, x, axis, largest, sorted, name));
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx)
    {
        var back = new PlaceAction { Gradient = g.ContiguousData(), Result = Storage.Zeros(InputArray[0].ShapeArray, g.DType), Positions = _positions };
        DTypeDispatch.Run(g.DType, ref back);
        dx[0] = back.Result;
    }

    // The placement as a recorded indexed add (the positions are distinct), whose own gradient picks them again.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) =>
        dx[0] = IndexedAddOp.Apply(g, null, _positions, InputArray[0].ShapeArray, Name + "_backward", Name);

    private struct SelectAction : IDTypeAction
    {
        public Tensor X, Values, Indices;
        public int[] Positions;
        public int Outer, Length, Inner, K;
        public bool Largest, Sorted;

        public readonly void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            T[] x = X.Array<T>();
            var values = Values.Span<T>();
            var indices = Indices.Span<int>();
            var order = new int[Length];
            for (int o = 0; o < Outer; o++)
                for (int i = 0; i < Inner; i++)
                {
                    int start = X.Offset + o * Length * Inner + i;
                    for (int j = 0; j < Length; j++) order[j] = j;
                    var comparer = new Order<T> { X = x, Start = start, Step = Inner, Largest = Largest };
                    order.AsSpan().Sort(comparer);
                    var chosen = order.AsSpan(0, K);
                    // Unsorted top-k comes in index order: well defined, where PyTorch leaves it unspecified.
                    if (!Sorted) chosen.Sort();
                    for (int j = 0; j < K; j++)
                    {
                        int outAt = (o * K + j) * Inner + i;
                        values[outAt] = x[start + chosen[j] * Inner];
                        indices[outAt] = chosen[j];
                        Positions[outAt] = start - X.Offset + chosen[j] * Inner;
                    }
                }
        }
    }

    /// <summary>Ascending (or, with Largest, descending) by value with NaN largest, then by index: a total, stable order.</summary>
    private struct Order<T> : IComparer<int> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T[] X;
        public int Start, Step;
        public bool Largest;

        public readonly int Compare(int a, int b)
        {
            T va = X[Start + a * Step], vb = X[Start + b * Step];
            int byValue = T.IsNaN(va) ? (T.IsNaN(vb) ? 0 : 1) : T.IsNaN(vb) ? -1 : va < vb ? -1 : va > vb ? 1 : 0;
            if (Largest) byValue = -byValue;
            return byValue != 0 ? byValue : a.CompareTo(b);
        }
    }

    private struct PlaceAction : IDTypeAction
    {
        public Tensor Gradient, Result;
        public int[] Positions;

        public readonly void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            ReadOnlySpan<T> g = Gradient.Span<T>();
            var r = Result.Span<T>();
            for (int i = 0; i < Positions.Length; i++) r[Positions[i]] = g[i];
        }
    }
}
