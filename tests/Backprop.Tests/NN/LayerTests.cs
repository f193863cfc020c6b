using Backprop.NN;

namespace Backprop.Tests.NN;

public class LayerTests
{
    [Fact]
    public void Linear_has_pytorch_default_init_range_and_output_shape()
    {
        var layer = new Linear(50, 7, new Generator(1));
        double bound = 1 / Math.Sqrt(50);
        var w = layer.Weight.ToDoubleArray();
        var b = layer.Bias!.ToDoubleArray();
        Assert.All(w, v => Assert.InRange(v, -bound, bound));
        Assert.All(b, v => Assert.InRange(v, -bound, bound));
        // U(−b, b) has standard deviation b/√3; 350 draws should land within 15% of it.
        double std = Math.Sqrt(w.Select(v => v * v).Average());
        Assert.InRange(std, 0.85 * bound / Math.Sqrt(3), 1.15 * bound / Math.Sqrt(3));
        Assert.Equal([5, 7], layer.Forward(Tensor.Zeros(5, 50)).Shape.ToArray());
        Assert.Equal([2, 3, 7], layer.Forward(Tensor.Zeros(2, 3, 50)).Shape.ToArray());
        Assert.Equal(50 * 7 + 7, layer.ParameterCount);
    }

    [Fact]
    public void Linear_forward_is_x_times_w_transposed_plus_b()
    {
        var layer = new Linear(3, 2, new Generator(2));
        layer.Weight.CopyFrom(Tensor.FromArray([1f, 2, 3, -1, 0, 1], 2, 3));
        layer.Bias!.CopyFrom(Tensor.FromArray([0.5f, -0.5f], 2));
        var y = layer.Forward(Tensor.FromArray([1f, 1, 1, 2, 0, -1], 2, 3));
        // Hand: row 1 = [1+2+3+0.5, -1+0+1-0.5], row 2 = [2-3+0.5, -2-1-0.5].
        Assert.Equal([6.5f, -0.5f, -0.5f, -3.5f], y.ToFloatArray());
    }

    [Fact]
    public void Conv2d_init_range_and_output_shape()
    {
        var conv = new Conv2d(3, 8, 3, new Generator(3), stride: 2, padding: 1);
        double bound = 1 / Math.Sqrt(3 * 9);
        Assert.All(conv.Weight.ToDoubleArray(), v => Assert.InRange(v, -bound, bound));
        Assert.All(conv.Bias!.ToDoubleArray(), v => Assert.InRange(v, -bound, bound));
        Assert.Equal([2, 8, 4, 3], conv.Forward(Tensor.Zeros(2, 3, 7, 5)).Shape.ToArray());
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    public void Conv2d_forward_matches_naive_loops(int stride, int padding)
    {
        var g = new Generator(4);
        var conv = new Conv2d(2, 3, 3, g, stride: stride, padding: padding, dtype: DType.Float64);
        var x = Tensor.Normal([2, 2, 6, 5], 0, 1, g, DType.Float64);
        var y = conv.Forward(x);
        var w = conv.Weight;
        var b = conv.Bias!;
        int oh = (6 + 2 * padding - 3) / stride + 1, ow = (5 + 2 * padding - 3) / stride + 1;
        Assert.Equal([2, 3, oh, ow], y.Shape.ToArray());
        for (int n = 0; n < 2; n++)
            for (int co = 0; co < 3; co++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                    {
                        double sum = b[co];
                        for (int ci = 0; ci < 2; ci++)
                            for (int ki = 0; ki < 3; ki++)
                                for (int kj = 0; kj < 3; kj++)
                                {
                                    int r = i * stride - padding + ki, c = j * stride - padding + kj;
                                    if (r >= 0 && r < 6 && c >= 0 && c < 5) sum += w[co, ci, ki, kj] * x[n, ci, r, c];
                                }
                        Assert.Equal(sum, y[n, co, i, j], 10);
                    }
    }

    [Theory]
    [InlineData(2, null, 0)]
    [InlineData(3, 1, 1)]
    [InlineData(3, 2, 0)]
    public void MaxPool2d_forward_matches_naive_loops(int kernel, int? stride, int padding)
    {
        var x = Tensor.Normal([2, 2, 7, 6], 0, 1, new Generator(5), DType.Float64);
        var pool = new MaxPool2d(kernel, stride, padding);
        var y = pool.Forward(x);
        int s = stride ?? kernel;
        int oh = (7 + 2 * padding - kernel) / s + 1, ow = (6 + 2 * padding - kernel) / s + 1;
        Assert.Equal([2, 2, oh, ow], y.Shape.ToArray());
        for (int n = 0; n < 2; n++)
            for (int c = 0; c < 2; c++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                    {
                        double best = double.NegativeInfinity;
                        for (int ki = 0; ki < kernel; ki++)
                            for (int kj = 0; kj < kernel; kj++)
                            {
                                int r = i * s - padding + ki, q = j * s - padding + kj;
                                if (r >= 0 && r < 7 && q >= 0 && q < 6) best = Math.Max(best, x[n, c, r, q]);
                            }
                        Assert.Equal(best, y[n, c, i, j]);
                    }
    }

    [Fact]
    public void MaxPool2d_backward_routes_gradient_to_the_window_maximum()
    {
        // One 2×2 window per quadrant of a 4×4 plane; the maxima are 5, 7, 13, 15 (hand-placed).
        var x = Tensor.FromArray([1.0, 5, 2, 0, 3, 4, 7, 1, 9, 8, 0, 15, 13, 2, 3, 4], 1, 1, 4, 4);
        x.RequiresGrad = true;
        new MaxPool2d(2).Forward(x).Sum().Backward();
        Assert.Equal([0.0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0], x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void Flatten_and_activations_keep_the_batch_axis()
    {
        var x = Tensor.Normal([3, 2, 4, 5], 0, 1, new Generator(6));
        Assert.Equal([3, 40], new Flatten().Forward(x).Shape.ToArray());
        Assert.All(new ReLU().Forward(x).ToFloatArray(), v => Assert.True(v >= 0));
        Assert.All(new Sigmoid().Forward(x).ToFloatArray(), v => Assert.InRange(v, 0f, 1f));
        Assert.All(new Tanh().Forward(x).ToFloatArray(), v => Assert.InRange(v, -1f, 1f));
    }

    [Fact]
    public void Init_kaiming_and_xavier_bounds()
    {
        var g = new Generator(7);
        var w = Tensor.Zeros(64, 100);
        Init.KaimingUniform(w, g);
        double kb = Math.Sqrt(2) * Math.Sqrt(3.0 / 100);
        Assert.All(w.ToDoubleArray(), v => Assert.InRange(v, -kb, kb));
        Assert.True(w.ToDoubleArray().Max() > 0.9 * kb); // the range is used, not just respected
        Init.XavierUniform(w, g);
        double xb = Math.Sqrt(6.0 / 164);
        Assert.All(w.ToDoubleArray(), v => Assert.InRange(v, -xb, xb));
        Init.KaimingNormal(w, g);
        double std = Math.Sqrt(w.ToDoubleArray().Select(v => v * v).Average());
        Assert.InRange(std, 0.9 * Math.Sqrt(2.0 / 100), 1.1 * Math.Sqrt(2.0 / 100));
        Init.XavierNormal(w, g);
        std = Math.Sqrt(w.ToDoubleArray().Select(v => v * v).Average());
        Assert.InRange(std, 0.9 * Math.Sqrt(2.0 / 164), 1.1 * Math.Sqrt(2.0 / 164));
        Assert.Equal((27, 72), Init.Fans([8, 3, 3, 3]));
    }
}
