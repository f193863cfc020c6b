namespace Backprop;

public sealed partial class Tensor
{
    /// <summary>A 0-d float32 tensor.</summary>
    public static Tensor Scalar(float value, bool requiresGrad = false) =>
        new(new[] { value }, Shapes.Scalar, DType.Float32) { RequiresGrad = requiresGrad };

    /// <summary>A 0-d float64 tensor.</summary>
    public static Tensor Scalar(double value, bool requiresGrad = false) =>
        new(new[] { value }, Shapes.Scalar, DType.Float64) { RequiresGrad = requiresGrad };

    /// <summary>A tensor over a copy of <paramref name="values"/>, of the given shape (1-d when none is given).</summary>
    public static Tensor FromArray(float[] values, params int[] shape) => FromArray(values, shape, DType.Float32, copy: true);

    /// <inheritdoc cref="FromArray(float[], int[])"/>
    public static Tensor FromArray(double[] values, params int[] shape) => FromArray(values, shape, DType.Float64, copy: true);

    /// <inheritdoc cref="FromArray(float[], int[])"/>
    public static Tensor FromArray(int[] values, params int[] shape) => FromArray(values, shape, DType.Int32, copy: true);

    /// <summary>A tensor that uses <paramref name="values"/> as its storage without copying: later writes to the array show in the tensor.</summary>
    public static Tensor Wrap(float[] values, params int[] shape) => FromArray(values, shape, DType.Float32, copy: false);

    /// <inheritdoc cref="Wrap(float[], int[])"/>
    public static Tensor Wrap(double[] values, params int[] shape) => FromArray(values, shape, DType.Float64, copy: false);

    private static Tensor FromArray(Array values, int[] shape, DType dtype, bool copy)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (shape.Length == 0) shape = [values.Length];
        foreach (int d in shape)
            if (d < 0) throw new ArgumentException($"FromArray: shape {Shapes.Format(shape)} has a negative size");
        int n = Shapes.Numel(shape);
        if (n != values.Length)
            throw new ArgumentException($"FromArray: {values.Length} values do not fill shape {Shapes.Format(shape)} ({n} elements expected)");
        var data = copy ? (Array)values.Clone() : values;
        return new Tensor(data, (int[])shape.Clone(), dtype);
    }

    /// <summary>A 2-d tensor from a rectangular array.</summary>
    public static Tensor FromArray(float[,] values) => FromMultiDim<float>(values, DType.Float32);

    /// <inheritdoc cref="FromArray(float[,])"/>
    public static Tensor FromArray(double[,] values) => FromMultiDim<double>(values, DType.Float64);

    /// <summary>A 3-d tensor from a rectangular array.</summary>
    public static Tensor FromArray(float[,,] values) => FromMultiDim<float>(values, DType.Float32);

    /// <inheritdoc cref="FromArray(float[,,])"/>
    public static Tensor FromArray(double[,,] values) => FromMultiDim<double>(values, DType.Float64);

    /// <summary>A 2-d tensor from nested (jagged) rows, which must all have the same length.</summary>
    public static Tensor FromRows(params float[][] rows) => FromRows<float>(rows, DType.Float32);

    /// <inheritdoc cref="FromRows(float[][])"/>
    public static Tensor FromRows(params double[][] rows) => FromRows<double>(rows, DType.Float64);

    private static Tensor FromRows<T>(T[][] rows, DType dtype)
    {
        int cols = rows.Length == 0 ? 0 : rows[0].Length;
        var data = new T[rows.Length * cols];
        for (int i = 0; i < rows.Length; i++)
        {
            if (rows[i].Length != cols)
                throw new ArgumentException($"FromRows: row {i} has {rows[i].Length} values, expected {cols} like row 0");
            rows[i].CopyTo(data, i * cols);
        }
        return new Tensor(data, [rows.Length, cols], dtype);
    }

    private static Tensor FromMultiDim<T>(Array values, DType dtype)
    {
        var shape = new int[values.Rank];
        for (int i = 0; i < shape.Length; i++) shape[i] = values.GetLength(i);
        var data = new T[values.Length];
        int k = 0;
        foreach (T v in values) data[k++] = v; // row-major enumeration order
        return new Tensor(data, shape, dtype);
    }

    /// <summary>A tensor of zeros.</summary>
    public static Tensor Zeros(params int[] shape) => Zeros(shape, DType.Float32);

    /// <inheritdoc cref="Zeros(int[])"/>
    public static Tensor Zeros(int[] shape, DType dtype, bool requiresGrad = false) =>
        WithGrad(Storage.Zeros(CheckShape("Zeros", shape), dtype), requiresGrad);

    /// <summary>A tensor of ones.</summary>
    public static Tensor Ones(params int[] shape) => Full(shape, 1.0, DType.Float32);

    /// <inheritdoc cref="Ones(int[])"/>
    public static Tensor Ones(int[] shape, DType dtype, bool requiresGrad = false) => Full(shape, 1.0, dtype, requiresGrad);

    /// <summary>A tensor with every element equal to <paramref name="value"/>.</summary>
    public static Tensor Full(int[] shape, double value, DType dtype = DType.Float32, bool requiresGrad = false)
    {
        var t = Storage.Empty(CheckShape("Full", shape), dtype);
        t.FillData(value); // a fresh buffer: no graph can have saved it, so no version stamp
        return WithGrad(t, requiresGrad);
    }

    /// <summary>Values start, start+step, ... below end (1-d), as PyTorch's arange.</summary>
    public static Tensor Arange(double start, double end, double step = 1, DType dtype = DType.Float32)
    {
        if (step == 0 || double.IsNaN(step)) throw new ArgumentException("Arange: step must be non-zero");
        int n = Math.Max(0, (int)Math.Ceiling((end - start) / step));
        var t = Storage.Empty([n], dtype);
        for (int i = 0; i < n; i++) t.SetFlat(i, start + i * step);
        return t;
    }

    /// <summary>0, 1, ..., end−1.</summary>
    public static Tensor Arange(int end, DType dtype = DType.Float32) => Arange(0, end, 1, dtype);

    /// <summary><paramref name="count"/> evenly spaced values from start to end inclusive.</summary>
    public static Tensor Linspace(double start, double end, int count, DType dtype = DType.Float32)
    {
        if (count < 0) throw new ArgumentException($"Linspace: count must be >= 0, got {count}");
        var t = Storage.Empty([count], dtype);
        double step = count > 1 ? (end - start) / (count - 1) : 0;
        for (int i = 0; i < count; i++) t.SetFlat(i, i == count - 1 && count > 1 ? end : start + i * step);
        return t;
    }

    /// <summary>An n×m identity matrix (m = n when omitted).</summary>
    public static Tensor Eye(int n, int? m = null, DType dtype = DType.Float32)
    {
        int cols = m ?? n;
        var t = Storage.Zeros(CheckShape("Eye", [n, cols]), dtype);
        for (int i = 0; i < Math.Min(n, cols); i++) t.SetFlat(i * cols + i, 1);
        return t;
    }

    /// <summary>Uniform values in [0, 1) from a seeded generator (<see cref="Generator.Default"/> when null).</summary>
    public static Tensor Rand(int[] shape, Generator? generator = null, DType dtype = DType.Float32) => Uniform(shape, 0, 1, generator, dtype);

    /// <summary>Uniform values in [low, high) from a seeded generator (<see cref="Generator.Default"/> when null).</summary>
    public static Tensor Uniform(int[] shape, double low, double high, Generator? generator = null, DType dtype = DType.Float32, bool requiresGrad = false)
    {
        generator ??= Generator.Default;
        var t = Storage.Empty(CheckShape("Uniform", shape), dtype);
        using var draws = generator.Enter();
        for (int i = 0; i < t.Numel; i++) t.SetFlat(i, low + (high - low) * generator.NextDouble());
        return WithGrad(t, requiresGrad);
    }

    /// <summary>Standard normal values (mean 0, std 1) from a seeded generator (<see cref="Generator.Default"/> when null).</summary>
    public static Tensor Randn(int[] shape, Generator? generator = null, DType dtype = DType.Float32) => Normal(shape, 0, 1, generator, dtype);

    /// <summary>Normal values with the given mean and standard deviation from a seeded generator (<see cref="Generator.Default"/> when null).</summary>
    public static Tensor Normal(int[] shape, double mean, double std, Generator? generator = null, DType dtype = DType.Float32, bool requiresGrad = false)
    {
        generator ??= Generator.Default;
        var t = Storage.Empty(CheckShape("Normal", shape), dtype);
        using var draws = generator.Enter();
        for (int i = 0; i < t.Numel; i++) t.SetFlat(i, mean + std * generator.NextGaussian());
        return WithGrad(t, requiresGrad);
    }

    /// <summary>Zeros of the same shape and dtype as <paramref name="other"/>.</summary>
    public static Tensor ZerosLike(Tensor other) => Storage.Zeros(other.ShapeArray, other.DType);

    /// <summary>Ones of the same shape and dtype as <paramref name="other"/>.</summary>
    public static Tensor OnesLike(Tensor other) => FullLike(other, 1);

    /// <summary>A constant of the same shape and dtype as <paramref name="other"/>.</summary>
    public static Tensor FullLike(Tensor other, double value) => Full(other.ShapeArray, value, other.DType);

    /// <summary>Uniform [0, 1) values of the same shape and dtype as <paramref name="other"/>.</summary>
    public static Tensor RandLike(Tensor other, Generator? generator = null) => Rand(other.ShapeArray, generator, other.DType);

    /// <summary>Standard normal values of the same shape and dtype as <paramref name="other"/>.</summary>
    public static Tensor RandnLike(Tensor other, Generator? generator = null) => Randn(other.ShapeArray, generator, other.DType);

    private static int[] CheckShape(string op, int[] shape)
    {
        foreach (int d in shape)
            if (d < 0) throw new ArgumentException($"{op}: shape {Shapes.Format(shape)} has a negative size");
        return (int[])shape.Clone();
    }

    private static Tensor WithGrad(Tensor t, bool requiresGrad)
    {
        t.RequiresGrad = requiresGrad;
        return t;
    }
}
