namespace Backprop.Ops;

/// <summary>
/// y = zeros(shape) with y[to[i]] += x[from[i]] for every i, in index order (flat positions; a null array is the
/// identity 0, 1, 2, ...). The one linear map behind the recorded backward rules of the indexing operators — gather,
/// scatter_add, index_select, embedding, top-k and sort, max pooling — recorded when a backward pass creates the graph.
/// Its adjoint is the same map with from and to exchanged, so its gradient is again an indexed add, and so on to any order.
/// </summary>
internal sealed class IndexedAddOp : Node
{
    private int[]? _from, _to;
    private int[] _inputShape = [];
    private string _name = "indexed_add", _adjointName = "indexed_add";
    public override string Name => _name;

    /// <summary>
    /// The map applied to <paramref name="x"/>; <paramref name="name"/> is the node's name in graphs and reports and
    /// <paramref name="adjointName"/> that of its gradient.
    /// </summary>
    public static Tensor Apply(Tensor x, int[]? from, int[]? to, int[] shape, string name, string adjointName)
    {
        var y = Map(x, from, to, shape);
        if (!Autograd.ShouldRecord(x)) return y;
        return Record(y, new IndexedAddOp { _from = from, _to = to, _inputShape = x.ShapeArray, _name = name, _adjointName = adjointName }, x);
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) => dx[0] = Map(g, _to, _from, _inputShape);

    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx) => dx[0] = Apply(g, _to, _from, _inputShape, _adjointName, _name);

    private static Tensor Map(Tensor x, int[]? from, int[]? to, int[] shape)
    {
        var add = new AddAction { X = x.ContiguousData(), Y = Storage.Zeros(shape, x.DType), From = from, To = to, Count = (from ?? to)?.Length ?? x.Numel };
        DTypeDispatch.Run(x.DType, ref add);
        return add.Y;
    }

    private struct AddAction : IDTypeAction
    {
        public Tensor X, Y;
        public int[]? From, To;
        public int Count;

        public readonly void Invoke<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        {
            ReadOnlySpan<T> x = X.Span<T>();
            var y = Y.Span<T>();
            for (int i = 0; i < Count; i++) y[To is null ? i : To[i]] += x[From is null ? i : From[i]];
        }
    }
}
