namespace Backprop.NN;

/// <summary>
/// 1-D convolution over [N, C, L] input with a stride and zero padding at both ends (<see cref="Tensor.Conv1d"/>).
/// Weight [out, in, k] and bias [out], named <c>weight</c> and <c>bias</c>, are initialised as PyTorch does:
/// U(−1/√fan_in, 1/√fan_in) with fan_in = in·k.
/// </summary>
public sealed class Conv1d : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer, drawing weight then bias from <paramref name="generator"/> (or <see cref="Generator.Default"/>).</summary>
    public Conv1d(int inChannels, int outChannels, int kernelSize, Generator? generator = null, int stride = 1, int padding = 0,
        bool bias = true, DType dtype = DType.Float32)
    {
        if (inChannels <= 0 || outChannels <= 0 || kernelSize <= 0 || stride <= 0 || padding < 0)
            throw new ArgumentOutOfRangeException(nameof(inChannels),
                $"Conv1d: channels, kernel size and stride must be positive and padding non-negative, got in={inChannels}, out={outChannels}, kernel={kernelSize}, stride={stride}, padding={padding}");
        (InChannels, OutChannels, KernelSize, Stride, Padding) = (inChannels, outChannels, kernelSize, stride, padding);
        var g = generator ?? Generator.Default;
        int fanIn = inChannels * kernelSize;
        Weight = RegisterParameter("weight", Init.FanInUniform(Tensor.Zeros([outChannels, inChannels, kernelSize], dtype), fanIn, g));
        if (bias)
            Bias = RegisterParameter("bias", Init.FanInUniform(Tensor.Zeros([outChannels], dtype), fanIn, g));
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }
    /// <summary>Output channels.</summary>
    public int OutChannels { get; }
    /// <summary>Kernel length.</summary>
    public int KernelSize { get; }
    /// <summary>Stride.</summary>
    public int Stride { get; }
    /// <summary>Zero padding at each end.</summary>
    public int Padding { get; }
    /// <summary>The weight [out, in, k].</summary>
    public Tensor Weight { get; }
    /// <summary>The bias [out], or null.</summary>
    public Tensor? Bias { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Tensor.Conv1d(input, Weight, Bias, Stride, Padding);

    /// <inheritdoc/>
    public override string Describe() =>
        $"Conv1d({InChannels} → {OutChannels}, kernel {KernelSize}, stride {Stride}, padding {Padding}{(Bias is null ? ", no bias" : "")})";
}
