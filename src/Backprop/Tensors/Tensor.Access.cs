namespace Backprop;

public sealed partial class Tensor
{
    /// <summary>The value of a one-element tensor.</summary>
    public double Item()
    {
        if (_numel != 1)
            throw new InvalidOperationException($"Item: only a one-element tensor has a single value; this one has shape {Shapes.Format(ShapeArray)}");
        return GetFlat(0);
    }

    /// <summary>The element at the given indices (negative indices count from the end).</summary>
    [System.Runtime.CompilerServices.IndexerName("Element")]
    public double this[params int[] indices]
    {
        get => ReadAt(StoragePosition(indices));
        set
        {
            int pos = StoragePosition(indices);
            MarkWritten("the indexer");
            WriteAt(pos, value);
        }
    }

    private int StoragePosition(int[] indices)
    {
        if (indices.Length != Rank)
            throw new ArgumentException($"indexer: {indices.Length} indices given for a tensor of rank {Rank} (shape {Shapes.Format(ShapeArray)})");
        int pos = Offset;
        for (int i = 0; i < indices.Length; i++)
        {
            int size = ShapeArray[i];
            int ix = indices[i] < 0 ? indices[i] + size : indices[i];
            if (ix < 0 || ix >= size)
                throw new ArgumentOutOfRangeException(
                    $"indexer: index {indices[i]} is out of range for axis {i} of size {size} (shape {Shapes.Format(ShapeArray)}), expected {-size} to {size - 1}",
                    (Exception?)null);
            pos += ix * StridesArray[i];
        }
        return pos;
    }

    /// <summary>The storage position of the element at a row-major logical index.</summary>
    internal int PositionOfFlat(int flat)
    {
        if (IsContiguous) return Offset + flat;
        int pos = Offset;
        for (int i = Rank - 1; i >= 0; i--)
        {
            int size = ShapeArray[i];
            pos += flat % size * StridesArray[i];
            flat /= size;
        }
        return pos;
    }

    internal double GetFlat(int flat) => ReadAt(PositionOfFlat(flat));

    internal void SetFlat(int flat, double value) => WriteAt(PositionOfFlat(flat), value);

    private double ReadAt(int pos) => DType switch
    {
        DType.Float32 => Array<float>()[pos],
        DType.Float64 => Array<double>()[pos],
        _ => Array<int>()[pos],
    };

    private void WriteAt(int pos, double value)
    {
        switch (DType)
        {
            case DType.Float32: Array<float>()[pos] = (float)value; break;
            case DType.Float64: Array<double>()[pos] = value; break;
            default: Array<int>()[pos] = checked((int)value); break;
        }
    }

    /// <summary>
    /// Stamps this tensor's storage as written in place (shared by all its views), so a graph that saved it for backward
    /// notices. Every public in-place write calls it; <paramref name="writer"/> names the write in the error.
    /// </summary>
    internal void MarkWritten(string writer)
    {
        CheckAlive();
        StorageVersions.Bump(Data, writer);
    }

    /// <summary>Sets every element (of this tensor's view) to <paramref name="value"/>.</summary>
    public Tensor Fill(double value)
    {
        MarkWritten("Fill");
        return FillData(value);
    }

    /// <summary>Sets every element, without stamping a version: for buffers no graph can have seen yet.</summary>
    internal Tensor FillData(double value)
    {
        if (IsContiguous)
        {
            var fill = new FillAction { Target = this, Value = value };
            DTypeDispatch.RunAny(DType, ref fill);
        }
        else
        {
            for (int i = 0; i < _numel; i++) SetFlat(i, value);
        }
        return this;
    }

    /// <summary>Copies the elements, row-major, converting to <typeparamref name="T"/> (float, double or int) if needed.</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        var c = Contiguous();
        if (DType.ClrType() == typeof(T)) return c.Span<T>().ToArray();
        var result = new T[_numel];
        for (int i = 0; i < _numel; i++)
        {
            double v = c.GetFlat(i);
            result[i] = typeof(T) == typeof(float) ? (T)(object)(float)v
                : typeof(T) == typeof(double) ? (T)(object)v
                : typeof(T) == typeof(int) ? (T)(object)(int)v
                : throw new NotSupportedException($"ToArray: element type {typeof(T).Name} is not supported (float, double, int)");
        }
        return result;
    }

    /// <summary>The elements as doubles, row-major.</summary>
    public double[] ToDoubleArray() => ToArray<double>();

    /// <summary>The elements as floats, row-major.</summary>
    public float[] ToFloatArray() => ToArray<float>();

    /// <summary>Copies <paramref name="source"/>'s values into this tensor (same shape), outside the graph: for loading weights.</summary>
    public void CopyFrom(Tensor source)
    {
        if (!Shapes.Equal(ShapeArray, source.ShapeArray))
            throw new ArgumentException($"CopyFrom: source shape {Shapes.Format(source.ShapeArray)} does not match {Shapes.Format(ShapeArray)}");
        MarkWritten("CopyFrom");
        CopyDataFrom(source);
    }

    /// <summary>Copies a same-shape source's values in, without stamping a version: for buffers no graph can have seen yet.</summary>
    internal void CopyDataFrom(Tensor source)
    {
        var src = source.DType == DType ? source.Contiguous() : source.Detach().To(DType);
        if (IsContiguous)
        {
            var copy = new CopyAction { Source = src, Target = this };
            DTypeDispatch.RunAny(DType, ref copy);
        }
        else
        {
            for (int i = 0; i < _numel; i++) SetFlat(i, src.GetFlat(i));
        }
    }

    private struct FillAction : IAnyDTypeAction
    {
        public Tensor Target;
        public double Value;

        // checked: an int32 tensor refuses a value it cannot hold instead of wrapping it.
        public readonly void Invoke<T>() where T : unmanaged =>
            Target.Span<T>().Fill(typeof(T) == typeof(int) ? (T)(object)checked((int)Value) : typeof(T) == typeof(float) ? (T)(object)(float)Value : (T)(object)Value);
    }

    private struct CopyAction : IAnyDTypeAction
    {
        public Tensor Source, Target;

        public readonly void Invoke<T>() where T : unmanaged => Source.Span<T>().CopyTo(Target.Span<T>());
    }
}
