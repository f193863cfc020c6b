using Backprop.NN;
using Backprop.Teaching.Reports;

namespace Backprop.Tests.Reports;

public class FirstLayerWeightsTests
{
    [Fact]
    public void An_mlp_on_images_shows_each_first_linear_units_row_as_an_image()
    {
        var model = ModelSpec.Parse("mlp:5,4").Build([1, 8, 8], 10, new Generator(2));
        var weights = FirstLayerWeights.Find(model, [1, 8, 8], out string why)!;
        Assert.Equal("", why);
        Assert.Equal(1, weights.Position); // after the Flatten
        Assert.Equal((1, 8, 8), (weights.Channels, weights.Height, weights.Width));
        Assert.Equal(5, weights.Units);
        Assert.False(weights.IsOutputLayer);
        Assert.False(weights.IsConvolution);
        var row3 = model.Layers.OfType<Linear>().First().Weight.ToFloatArray().AsSpan(3 * 64, 64).ToArray();
        Assert.Equal(row3, weights.Tiles[3]);
    }

    [Fact]
    public void A_linear_model_is_its_own_output_layer_and_a_wide_layer_is_cut()
    {
        var linear = FirstLayerWeights.Find(ModelSpec.Parse("linear").Build([1, 8, 8], 10, new Generator(2)), [1, 8, 8], out _)!;
        Assert.True(linear.IsOutputLayer);
        Assert.Equal(10, linear.Tiles.Count);
        var wide = FirstLayerWeights.Find(ModelSpec.Parse("mlp:300").Build([1, 4, 4], 2, new Generator(2)), [1, 4, 4], out _)!;
        Assert.Equal(300, wide.Units);
        Assert.Equal(FirstLayerWeights.MaximumTiles, wide.Tiles.Count);
    }

    [Fact]
    public void A_cnn_shows_its_first_convolutions_kernels()
    {
        var model = ModelSpec.Parse("cnn").Build([1, 8, 8], 10, new Generator(2));
        var weights = FirstLayerWeights.Find(model, [1, 8, 8], out _)!;
        Assert.Equal((0, 32, 1, 3, 3), (weights.Position, weights.Units, weights.Channels, weights.Height, weights.Width));
        Assert.True(weights.IsConvolution);
        var kernel7 = model.Layers.OfType<Conv2d>().First().Weight.ToFloatArray().AsSpan(7 * 9, 9).ToArray();
        Assert.Equal(kernel7, weights.Tiles[7]);
    }

    [Fact]
    public void Feature_vectors_have_no_picture_and_say_so()
    {
        var model = ModelSpec.Parse("mlp:8").Build([2], 4, new Generator(2));
        Assert.Null(FirstLayerWeights.Find(model, [2], out string why));
        Assert.Contains("not images", why);
        Assert.Contains("[2]", why);
    }
}
