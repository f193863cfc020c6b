
namespace Backprop.NN;

/// <summary>2-D max pooling over square windows (stride defaults to the window size, as in PyTorch).</summary>
public sealed class MaxPool2d : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer.</summary>
    public MaxPool2d(int kernelSize, int? stride = null, int padding = 0)
    {
        if (kernelSize <= 0 || stride <= 0 || padding < 0)
            throw new ArgumentOutOfRangeException(nameof(kernelSize), $"MaxPool2d: kernel {kernelSize}, stride {stride}, padding {padding} are not valid");
        (KernelSize, Stride, Padding) = (kernelSize, stride ?? kernelSize, padding);
    }

    /// <summary>Window height and width.</summary>
    public int KernelSize { get; }
    /// <summary>Stride in both directions.</summary>
    public int Stride { get; }
    /// <summary>Implicit −∞ padding on every side.</summary>
    public int Padding { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Tensor.MaxPool2d(input, KernelSize, Stride, Padding);

    /// <inheritdoc/>
    public override string Describe() => $"MaxPool2d(kernel {KernelSize}, stride {Stride}, padding {Padding})";
}
