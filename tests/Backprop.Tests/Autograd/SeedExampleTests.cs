namespace Backprop.Tests.Autograd;

/// <summary>
/// The worked examples of the backpropagation texts, reproduced through the engine. Expected numbers are the texts'
/// own hand derivations (restated in each test).
/// </summary>
public class SeedExampleTests
{
    private static Tensor Leaf(double v) => Tensor.Scalar(v, requiresGrad: true);

    [Fact]
    public void Example1_XTimesY_WithSharedB()
    {
        // x = 2w + 3b, y = 2b + 1, z = x·y at w=3, b=4: x=18, y=9, z=162; ∂z/∂w = 2y = 18, ∂z/∂b = 3y + 2x = 63.
        var w = Leaf(3);
        var b = Leaf(4);
        var x = 2.0 * w + 3.0 * b;
        var y = 2.0 * b + 1.0;
        var z = x * y;
        Assert.Equal(18, x.Item());
        Assert.Equal(9, y.Item());
        Assert.Equal(162, z.Item());
        z.Backward();
        Assert.Equal(18, w.Grad!.Item());
        Assert.Equal(63, b.Grad!.Item());
    }

    [Fact]
    public void Example2_ApplesWithTax()
    {
        // price = unit·count·tax = 200·2·1.1 = 440; ∂/∂unit = count·tax = 2.2, ∂/∂count = unit·tax = 220, ∂/∂tax = unit·count = 400.
        var unit = Leaf(200);
        var count = Leaf(2);
        var tax = Leaf(1.1);
        var price = unit * count * tax;
        Assert.Equal(440, price.Item(), 10);
        price.Backward();
        Assert.Equal(2.2, unit.Grad!.Item(), 12);
        Assert.Equal(220, count.Grad!.Item(), 10);
        Assert.Equal(400, tax.Grad!.Item(), 12);
    }

    [Fact]
    public void Example3_LogSqrtChain()
    {
        // A = X+1, B = A², C = ln B, D = √C, E = D − 1 at X = 2: E = √(ln 9) − 1 = 0.4823;
        // dE/dX = (1/(2√C))·(1/B)·2A = A/(B·√C) = 3/(9·√ln 9) ≈ 0.22487.
        var X = Leaf(2);
        var A = X + 1.0;
        var B = A * A;
        var C = B.Log();
        var D = C.Sqrt();
        var E = D - 1.0;
        Assert.Equal(0.4823, E.Item(), 4);
        E.Backward();
        Assert.Equal(3 / (9 * Math.Sqrt(Math.Log(9))), X.Grad!.Item(), 12);
        Assert.InRange(X.Grad!.Item(), 0.22487 - 1e-5, 0.22487 + 1e-5); // the text quotes 0.22487 (0.2248752 exactly)
    }

    [Fact]
    public void Example4_AddThenMultiply()
    {
        // f = (x + y)·z at x=−2, y=5, z=−4: q = 3, f = −12; ∂f/∂x = ∂f/∂y = z = −4, ∂f/∂z = q = 3.
        var x = Leaf(-2);
        var y = Leaf(5);
        var z = Leaf(-4);
        var f = (x + y) * z;
        Assert.Equal(-12, f.Item());
        f.Backward();
        Assert.Equal(-4, x.Grad!.Item());
        Assert.Equal(-4, y.Grad!.Item());
        Assert.Equal(3, z.Grad!.Item());
    }

    [Fact]
    public void Example5_SigmoidNeuron()
    {
        // f = σ(w0·x0 + w1·x1 + w2), w = [2, −3, −3], x = [−1, −2]: the sum is 1, f = σ(1) = 0.7311,
        // local gradient σ(1)(1−σ(1)) = 0.1966; dx = [w0, w1]·0.1966 = [0.3932, −0.5898], dw = [x0, x1, 1]·0.1966.
        var w0 = Leaf(2); var w1 = Leaf(-3); var w2 = Leaf(-3);
        var x0 = Leaf(-1); var x1 = Leaf(-2);
        var f = (w0 * x0 + w1 * x1 + w2).Sigmoid();
        Assert.Equal(0.7311, f.Item(), 4);
        f.Backward();
        Assert.Equal(0.3932, x0.Grad!.Item(), 4);
        Assert.Equal(-0.5898, x1.Grad!.Item(), 4);
        Assert.Equal(-0.1966, w0.Grad!.Item(), 4);
        Assert.Equal(-0.3932, w1.Grad!.Item(), 4);
        Assert.Equal(0.1966, w2.Grad!.Item(), 4);
    }

    [Fact]
    public void Example6_MaxGateRoutesToTheLarger()
    {
        // max(x, y) at x=4, y=2: the max gate passes the whole gradient to the larger input.
        var x = Leaf(4);
        var y = Leaf(2);
        var m = x.Maximum(y);
        Assert.Equal(4, m.Item());
        m.Backward();
        Assert.Equal(1, x.Grad!.Item());
        Assert.Equal(0, y.Grad!.Item());
    }

    [Fact]
    public void Example7_SoftmaxWithLossGradientIsYMinusT()
    {
        // For logits a and one-hot t, ∂CE/∂a = softmax(a) − t (for a batch of one; divided by N for a mean over N).
        var a = Tensor.FromArray(new[] { 0.3, 2.9, 4.0, -1.0 }, 1, 4);
        a.RequiresGrad = true;
        var loss = a.CrossEntropy([2]);
        loss.Backward();
        var y = a.Detach().Softmax().ToDoubleArray();
        var t = new[] { 0.0, 0, 1, 0 };
        var g = a.Grad!.ToDoubleArray();
        for (int i = 0; i < 4; i++) Assert.Equal(y[i] - t[i], g[i], 12);
        Assert.Equal(-Math.Log(y[2]), loss.Item(), 12);
    }

    [Fact]
    public void SharedValueReceivesTheSumOfBranchGradients()
    {
        // b = a + a, c = b + b = 4a: dc/da = 4 (each use of a value adds its gradient).
        var a = Leaf(3);
        var b = a + a;
        var c = b + b;
        c.Backward();
        Assert.Equal(4, a.Grad!.Item());
    }
}
