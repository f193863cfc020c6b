
namespace Backprop.NN;

/// <summary>
/// 2-D convolution over NCHW input with a square kernel, stride and zero padding. Weight [out, in, k, k] and bias [out]
/// are initialised as PyTorch does: U(−1/√fan_in, 1/√fan_in) with fan_in = in·k·k.
/// </summary>
public sealed class Conv2d : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer, drawing its initial values from <paramref name="generator"/> (<see cref="Generator.Default"/> when null).</summary>
    public Conv2d(int inChannels, int outChannels, int kernelSize, Generator? generator = null, int stride = 1, int padding = 0,
        bool bias = true, DType dtype = DType.Float32)
    {
        generator ??= Generator.Default;
        if (inChannels <= 0 || outChannels <= 0 || kernelSize <= 0 || stride <= 0 || padding < 0)
            throw new ArgumentOutOfRangeException(nameof(inChannels),
                $"Conv2d: channels, kernel size and stride must be positive and padding non-negative, got in={inChannels}, out={outChannels}, kernel={kernelSize}, stride={stride}, padding={padding}");
        (InChannels, OutChannels, KernelSize, Stride, Padding) = (inChannels, outChannels, kernelSize, stride, padding);
        int fanIn = inChannels * kernelSize * kernelSize;
        Weight = RegisterParameter("weight", Init.FanInUniform(Tensor.Zeros([outChannels, inChannels, kernelSize, kernelSize], dtype), fanIn, generator));
        if (bias)
            Bias = RegisterParameter("bias", Init.FanInUniform(Tensor.Zeros([outChannels], dtype), fanIn, generator));
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }
    /// <summary>Output channels.</summary>
    public int OutChannels { get; }
    /// <summary>Kernel height and width.</summary>
    public int KernelSize { get; }
    /// <summary>Stride in both directions.</summary>
    public int Stride { get; }
    /// <summary>Zero padding on every side.</summary>
    public int Padding { get; }
    /// <summary>The weight [out, in, k, k].</summary>
    public Tensor Weight { get; }
    /// <summary>The bias [out], or null.</summary>
    public Tensor? Bias { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Tensor.Conv2d(input, Weight, Bias, Stride, Padding);

    /// <inheritdoc/>
    public override string Describe() =>
        $"Conv2d({InChannels} → {OutChannels}, kernel {KernelSize}, stride {Stride}, padding {Padding}{(Bias is null ? ", no bias" : "")})";
}
