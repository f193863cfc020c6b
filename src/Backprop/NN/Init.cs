namespace Backprop.NN;

/// <summary>
/// Weight initialisations, drawn from a <see cref="Generator"/> so models are reproducible. Each fills a tensor's
/// values in place (outside the graph) and returns it. Fans follow PyTorch: for a weight [out, in, k...],
/// fan_in = in·∏k and fan_out = out·∏k. Without a generator they draw from <see cref="Generator.Default"/>.
/// </summary>
public static class Init
{
    /// <summary>The recommended gain for ReLU layers, √2.</summary>
    public static readonly double ReluGain = Math.Sqrt(2.0);

    /// <summary>Fills with U(low, high).</summary>
    public static Tensor Uniform(Tensor tensor, double low, double high, Generator? generator = null)
    {
        generator ??= Generator.Default;
        if (tensor.DType == DType.Float32)
        {
            generator.FillUniform(Values<float>(tensor, "Uniform"), (float)low, (float)high);
        }
        else
        {
            var v = Values<double>(tensor, "Uniform");
            for (int i = 0; i < v.Length; i++) v[i] = low + (high - low) * generator.NextDouble();
        }
        return tensor;
    }

    /// <summary>Fills with N(mean, std²).</summary>
    public static Tensor Normal(Tensor tensor, double mean, double std, Generator? generator = null)
    {
        generator ??= Generator.Default;
        if (tensor.DType == DType.Float32)
        {
            generator.FillGaussian(Values<float>(tensor, "Normal"), (float)mean, (float)std);
        }
        else
        {
            var v = Values<double>(tensor, "Normal");
            for (int i = 0; i < v.Length; i++) v[i] = mean + std * generator.NextGaussian();
        }
        return tensor;
    }

    /// <summary>Kaiming (He) uniform: U(−b, b) with b = gain·√(3 / fan_in).</summary>
    public static Tensor KaimingUniform(Tensor tensor, Generator? generator = null, double? gain = null)
    {
        double bound = (gain ?? ReluGain) * Math.Sqrt(3.0 / Fans(tensor.Shape).FanIn);
        return Uniform(tensor, -bound, bound, generator);
    }

    /// <summary>Kaiming (He) normal: N(0, σ²) with σ = gain / √fan_in.</summary>
    public static Tensor KaimingNormal(Tensor tensor, Generator? generator = null, double? gain = null) =>
        Normal(tensor, 0, (gain ?? ReluGain) / Math.Sqrt(Fans(tensor.Shape).FanIn), generator);

    /// <summary>Xavier (Glorot) uniform: U(−b, b) with b = gain·√(6 / (fan_in + fan_out)).</summary>
    public static Tensor XavierUniform(Tensor tensor, Generator? generator = null, double gain = 1.0)
    {
        var (fanIn, fanOut) = Fans(tensor.Shape);
        double bound = gain * Math.Sqrt(6.0 / (fanIn + fanOut));
        return Uniform(tensor, -bound, bound, generator);
    }

    /// <summary>Xavier (Glorot) normal: N(0, σ²) with σ = gain·√(2 / (fan_in + fan_out)).</summary>
    public static Tensor XavierNormal(Tensor tensor, Generator? generator = null, double gain = 1.0)
    {
        var (fanIn, fanOut) = Fans(tensor.Shape);
        return Normal(tensor, 0, gain * Math.Sqrt(2.0 / (fanIn + fanOut)), generator);
    }

    /// <summary>PyTorch's default for Linear and Conv2d weights and biases: U(−1/√fan_in, 1/√fan_in).</summary>
    public static Tensor FanInUniform(Tensor tensor, int fanIn, Generator? generator = null)
    {
        double bound = fanIn > 0 ? 1.0 / Math.Sqrt(fanIn) : 0;
        return Uniform(tensor, -bound, bound, generator);
    }

    /// <summary>fan_in and fan_out of a weight shape [out, in, k...] (a vector counts as [n] with both fans n).</summary>
    public static (int FanIn, int FanOut) Fans(ReadOnlySpan<int> shape)
    {
        if (shape.Length == 0) throw new ArgumentException("Init: a scalar has no fan-in or fan-out");
        if (shape.Length == 1) return (shape[0], shape[0]);
        int receptive = 1;
        for (int i = 2; i < shape.Length; i++) receptive *= shape[i];
        return (shape[1] * receptive, shape[0] * receptive);
    }

    private static Span<T> Values<T>(Tensor tensor, string method)
    {
        if (!tensor.IsContiguous || !tensor.DType.IsFloatingPoint())
            throw new ArgumentException($"Init.{method}: expected a contiguous floating-point tensor, got {tensor.DType.Name()} {Shapes.Format(tensor.ShapeArray)}");
        return tensor.Span<T>();
    }
}
