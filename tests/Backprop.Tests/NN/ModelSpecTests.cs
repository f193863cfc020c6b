using Backprop.NN;

namespace Backprop.Tests.NN;

public class ModelSpecTests
{
    [Fact]
    public void Mlp_builds_linear_relu_stack()
    {
        var model = ModelSpec.Parse("mlp:256,128").Build([784], 10, new Generator(1));
        Assert.Equal(5, model.Count);
        Assert.IsType<Linear>(model[0]);
        Assert.IsType<ReLU>(model[1]);
        Assert.Equal(784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10, model.ParameterCount);
        Assert.Equal([3, 10], model.Forward(Tensor.Zeros(3, 784)).Shape.ToArray());
    }

    [Fact]
    public void Image_input_to_mlp_is_flattened_first()
    {
        var model = ModelSpec.Parse("linear").Build([1, 8, 8], 10, new Generator(1));
        Assert.IsType<Flatten>(model[0]);
        Assert.Equal(["1.weight", "1.bias"], model.NamedParameters().Select(p => p.Key));
        Assert.Equal([2, 10], model.Forward(Tensor.Zeros(2, 1, 8, 8)).Shape.ToArray());
    }

    [Fact]
    public void Cnn_matches_the_reference_layout()
    {
        var model = ModelSpec.Parse("cnn").Build([1, 28, 28], 10, new Generator(1));
        Assert.Equal(["0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias", "9.weight", "9.bias"],
            model.NamedParameters().Select(p => p.Key));
        Assert.Equal([64 * 7 * 7], new[] { ((Linear)model[7]).InFeatures });
        Assert.Equal([2, 10], model.Forward(Tensor.Zeros(2, 1, 28, 28)).Shape.ToArray());
    }

    [Fact]
    public void Options_add_batch_norm_and_dropout()
    {
        var spec = ModelSpec.Parse(" MLP:16 + bn + dropout:0.25 ");
        Assert.Equal("mlp:16+bn+dropout:0.25", spec.Text);
        Assert.Equal(spec.Text, ModelSpec.Parse(spec.Text).Text);
        var model = spec.Build([4], 3, new Generator(1));
        Assert.Equal(["Linear", "BatchNorm1d", "ReLU", "Dropout", "Linear"], model.Layers.Select(l => l.GetType().Name));
        var cnn = ModelSpec.Parse("cnn+bn").Build([3, 8, 8], 2, new Generator(1));
        Assert.Contains(cnn.Layers, l => l is BatchNorm2d);
    }

    [Theory]
    [InlineData("resnet")]
    [InlineData("mlp")]
    [InlineData("mlp:12,x")]
    [InlineData("mlp:0")]
    [InlineData("cnn+dropout:1.5")]
    [InlineData("linear+bn")]
    public void Unknown_specs_name_the_spec_and_valid_forms(string text)
    {
        var e = Assert.Throws<ArgumentException>(() => ModelSpec.Parse(text));
        Assert.Contains($"'{text}'", e.Message);
        Assert.Contains("mlp:H1,H2", e.Message);
    }

    [Fact]
    public void Cnn_rejects_flat_input()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelSpec.Parse("cnn").Build([784], 10, new Generator(1)));
        Assert.Contains("[channels, height, width]", e.Message);
    }

    [Fact]
    public void Same_seed_gives_same_weights()
    {
        var a = ModelSpec.Parse("mlp:8").Build([4], 2, new Generator(5));
        var b = ModelSpec.Parse("mlp:8").Build([4], 2, new Generator(5));
        Assert.Equal(a.Parameters()[0].ToFloatArray(), b.Parameters()[0].ToFloatArray());
    }
}
