namespace Backprop.NN;

/// <summary>
/// 2-D adaptive average pooling to a fixed output size whatever the input's (<see cref="Tensor.AdaptiveAvgPool2d(Tensor, int, int)"/>);
/// <c>new AdaptiveAvgPool2d(1)</c> is global average pooling.
/// </summary>
public sealed class AdaptiveAvgPool2d : Module<Tensor, Tensor>
{
    /// <summary>Creates the layer with an <paramref name="outputHeight"/>×<paramref name="outputWidth"/> output.</summary>
    public AdaptiveAvgPool2d(int outputHeight, int outputWidth)
    {
        if (outputHeight <= 0 || outputWidth <= 0)
            throw new ArgumentOutOfRangeException(nameof(outputHeight), $"AdaptiveAvgPool2d: the output size must be positive, got {outputHeight}×{outputWidth}");
        (OutputHeight, OutputWidth) = (outputHeight, outputWidth);
    }

    /// <summary>Creates the layer with a square output.</summary>
    public AdaptiveAvgPool2d(int outputSize) : this(outputSize, outputSize) { }

    /// <summary>Output height.</summary>
    public int OutputHeight { get; }
    /// <summary>Output width.</summary>
    public int OutputWidth { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Tensor.AdaptiveAvgPool2d(input, OutputHeight, OutputWidth);

    /// <inheritdoc/>
    public override string Describe() => $"AdaptiveAvgPool2d({OutputHeight}×{OutputWidth})";
}
