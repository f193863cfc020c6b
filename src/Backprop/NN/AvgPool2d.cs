namespace Backprop.NN;

/// <summary>
/// 2-D average pooling over square windows (stride defaults to the window size; zero padding counts in the divisor,
/// PyTorch's default <c>count_include_pad = true</c>). See <see cref="Tensor.AvgPool2d"/>.
/// </summary>
public sealed class AvgPool2d : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer.</summary>
    public AvgPool2d(int kernelSize, int? stride = null, int padding = 0)
    {
        if (kernelSize <= 0 || stride <= 0 || padding < 0 || 2 * padding > kernelSize)
            throw new ArgumentOutOfRangeException(nameof(kernelSize),
                $"AvgPool2d: kernel {kernelSize}, stride {stride}, padding {padding} are not valid (positive kernel and stride, padding at most half the kernel)");
        (KernelSize, Stride, Padding) = (kernelSize, stride ?? kernelSize, padding);
    }

    /// <summary>Window height and width.</summary>
    public int KernelSize { get; }
    /// <summary>Stride in both directions.</summary>
    public int Stride { get; }
    /// <summary>Implicit zero padding on every side.</summary>
    public int Padding { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Tensor.AvgPool2d(input, KernelSize, Stride, Padding);

    /// <inheritdoc/>
    public override string Describe() => $"AvgPool2d(kernel {KernelSize}, stride {Stride}, padding {Padding})";
}
