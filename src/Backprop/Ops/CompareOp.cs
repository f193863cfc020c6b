using System.Numerics;

namespace Backprop.Ops;

/// <summary>The six element-wise comparisons.</summary>
internal enum Comparison { Equal, NotEqual, Less, LessOrEqual, Greater, GreaterOrEqual }

/// <summary>
/// Element-wise comparison with broadcasting: an int32 tensor of 0 and 1 (the library has no bool dtype; where and
/// masked_fill take any non-zero value as true). Two int32 tensors compare as integers; float32 with float32 in
/// float32 (a constant is rounded to float32 first, as PyTorch does); any other mix in float64, where every int32 and
/// float32 value is exact. NaN compares unequal to everything. A mask carries no gradient, so the node is recorded
/// inside a trace (<see cref="Tracing"/>) only: the exporter must see a mask computed from the input as such, not as
/// a constant of the traced batch.
/// </summary>
internal sealed class CompareOp : Node
{
    private Comparison _comparison;
    private DType _dtype;
    public override string Name => NameOf(_comparison);

    /// <summary>The comparison, and the dtype both sides are compared in (read by the ONNX exporter).</summary>
    internal Comparison Comparison => _comparison;

    internal DType CompareDType => _dtype;

    public static string NameOf(Comparison c) => c switch
    {
        Comparison.Equal => "eq",
        Comparison.NotEqual => "ne",
        Comparison.Less => "lt",
        Comparison.LessOrEqual => "le",
        Comparison.Greater => "gt",
        _ => "ge",
    };

    public static Tensor Apply(Tensor a, Tensor b, Comparison c)
    {
        var shape = Shapes.Broadcast(NameOf(c), a.ShapeArray, b.ShapeArray);
        var dtype = a.DType == b.DType ? a.DType
            : a.DType == DType.Float32 && b.DType == DType.Float32 ? DType.Float32 : DType.Float64;
        var ae = a.CastData(dtype).ExpandData(shape).ContiguousData();
        var be = b.CastData(dtype).ExpandData(shape).ContiguousData();
        var y = Storage.Empty(shape, DType.Int32);
        var ys = y.Span<int>();
        switch (dtype)
        {
            case DType.Float32: Compare<float>(ae.Span<float>(), be.Span<float>(), ys, c); break;
            case DType.Float64: Compare<double>(ae.Span<double>(), be.Span<double>(), ys, c); break;
            default: Compare<int>(ae.Span<int>(), be.Span<int>(), ys, c); break;
        }
        return Tracing.IsOn ? Record(y, new CompareOp { _comparison = c, _dtype = dtype }, a, b) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx) { }

    public static Tensor Apply(Tensor x, double value, Comparison c)
    {
        // The constant takes the tensor's float dtype; an int32 tensor meets a fractional constant in float64.
        var constant = x.DType == DType.Float32 ? Tensor.Full([], value, DType.Float32) : Tensor.Full([], value, DType.Float64);
        return Apply(x, constant, c);
    }

    // One loop per comparison: the switch is outside the loop, each body is a single compare.
    private static void Compare<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<int> y, Comparison c) where T : unmanaged, INumber<T>
    {
        switch (c)
        {
            case Comparison.Equal: for (int i = 0; i < y.Length; i++) y[i] = a[i] == b[i] ? 1 : 0; break;
            case Comparison.NotEqual: for (int i = 0; i < y.Length; i++) y[i] = a[i] != b[i] ? 1 : 0; break;
            case Comparison.Less: for (int i = 0; i < y.Length; i++) y[i] = a[i] < b[i] ? 1 : 0; break;
            case Comparison.LessOrEqual: for (int i = 0; i < y.Length; i++) y[i] = a[i] <= b[i] ? 1 : 0; break;
            case Comparison.Greater: for (int i = 0; i < y.Length; i++) y[i] = a[i] > b[i] ? 1 : 0; break;
            default: for (int i = 0; i < y.Length; i++) y[i] = a[i] >= b[i] ? 1 : 0; break;
        }
    }
}
