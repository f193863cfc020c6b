using Backprop.NN;

namespace Backprop.Teaching.Reports;

/// <summary>
/// The weights of a model's first layer drawn as pictures in the input's layout, one tile per unit: for a Linear
/// layer on images, each output unit's row of weights reshaped to the image (the pattern that unit responds to
/// most); for a convolution, each kernel. Only for image inputs, with one or three channels.
/// </summary>
/// <param name="Layer">The layer's description, e.g. "Linear(64 → 256)".</param>
/// <param name="Position">Its index among the model's layers.</param>
/// <param name="Channels">Channels of each tile (1 or 3).</param>
/// <param name="Height">Rows of each tile.</param>
/// <param name="Width">Columns of each tile.</param>
/// <param name="Tiles">The weights of the units shown, each [channels, height, width] row-major; at most <see cref="MaximumTiles"/>.</param>
/// <param name="Units">How many units the layer has (more than <see cref="Tiles"/> holds when it was cut).</param>
/// <param name="IsOutputLayer">The layer is also the model's last (softmax regression): unit c scores class c, so each tile is a class's template.</param>
/// <param name="IsConvolution">The layer is a convolution: its units are output channels and each tile is a kernel, not an image-sized template.</param>
public sealed record FirstLayerWeights(string Layer, int Position, int Channels, int Height, int Width, IReadOnlyList<float[]> Tiles, int Units, bool IsOutputLayer, bool IsConvolution)
{
    /// <summary>The most tiles taken: enough to see the patterns, few enough to keep the report small.</summary>
    public const int MaximumTiles = 256;

    /// <summary>
    /// The first layer with weights of <paramref name="model"/> (after any Flatten), when it is a Linear layer or a
    /// Conv2d reading images of <paramref name="inputShape"/> [C, H, W] with C = 1 or 3; otherwise null, and
    /// <paramref name="absentReason"/> says why.
    /// </summary>
    public static FirstLayerWeights? Find(Module<Tensor, Tensor> model, int[] inputShape, out string absentReason)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputShape);
        if (inputShape is not [int channels and (1 or 3), int height, int width])
        {
            absentReason = $"the inputs are not images (each sample is {Shapes.Format(inputShape)}), so first-layer weights have no picture";
            return null;
        }
        if (model is not Sequential sequential)
        {
            absentReason = $"the model is a {model.Describe()}, not a sequence of layers whose first layer could be found";
            return null;
        }
        for (int position = 0; position < sequential.Count; position++)
        {
            switch (sequential[position])
            {
                case Flatten:
                    continue;
                case Linear linear when linear.InFeatures == channels * height * width:
                    absentReason = "";
                    return Tiled(linear.Describe(), position, linear.Weight, linear.OutFeatures, channels, height, width, position == sequential.Count - 1, false);
                case Conv2d conv when conv.InChannels == channels:
                    absentReason = "";
                    return Tiled(conv.Describe(), position, conv.Weight, conv.OutChannels, channels, conv.KernelSize, conv.KernelSize, false, true);
                case var layer:
                    absentReason = $"the first layer, {layer.Describe()}, is neither a Linear layer on the image nor a convolution";
                    return null;
            }
        }
        absentReason = "the model has no layer with weights";
        return null;
    }

    private static FirstLayerWeights Tiled(string layer, int position, Tensor weight, int units, int channels, int height, int width, bool isOutputLayer, bool isConvolution)
    {
        // Linear's weight [out, in] and Conv2d's [out, in, k, k] both hold one unit's weights as a contiguous row.
        float[] all = weight.ToArray<float>();
        int size = channels * height * width;
        var tiles = new float[Math.Min(units, MaximumTiles)][];
        for (int u = 0; u < tiles.Length; u++) tiles[u] = all.AsSpan(u * size, size).ToArray();
        return new FirstLayerWeights(layer, position, channels, height, width, tiles, units, isOutputLayer, isConvolution);
    }
}
